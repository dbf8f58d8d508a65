"""What each synthetic white cell looks like: class priors over the 7 LLD
attributes and per-class visual cues.

Loosely follows textbook morphology so that the demo set behaves like a blood
film (blasts: big, open chromatin, nucleoli; neutrophils: lobed nucleus,
abundant pale cytoplasm; ...). None of it is medical truth.
"""
# P(value = 1) for the 7 LLD attributes, in schema order:
# big, coarse chromatin, irregular nucleus, prominent nucleolus,
# abundant cytoplasm, moderate basophilia, prominent vacuoles.
ATTRIBUTE_PRIORS = {
    1: (0.80, 0.10, 0.20, 0.85, 0.30, 0.80, 0.20),  # Myeloblast
    2: (0.40, 0.20, 0.30, 0.60, 0.10, 0.70, 0.30),  # Lymphoblast
    3: (0.50, 0.90, 0.95, 0.02, 0.90, 0.10, 0.10),  # Neutrophil
    4: (0.70, 0.60, 0.50, 0.20, 0.70, 0.80, 0.30),  # Atypical lymphocyte
    5: (0.85, 0.30, 0.70, 0.50, 0.70, 0.60, 0.40),  # Promonocyte
    6: (0.90, 0.10, 0.30, 0.85, 0.70, 0.70, 0.30),  # Monoblast
    7: (0.10, 0.95, 0.10, 0.05, 0.10, 0.40, 0.05),  # Lymphocyte
    8: (0.70, 0.70, 0.30, 0.10, 0.80, 0.30, 0.10),  # Myelocyte
    9: (0.80, 0.40, 0.80, 0.40, 0.70, 0.40, 0.10),  # Abnormal promyelocyte
    10: (0.90, 0.40, 0.80, 0.05, 0.90, 0.50, 0.60),  # Monocyte
    11: (0.50, 0.80, 0.80, 0.05, 0.80, 0.20, 0.10),  # Metamyelocyte
    12: (0.50, 0.80, 0.90, 0.00, 0.90, 0.10, 0.05),  # Eosinophil
    13: (0.30, 0.70, 0.60, 0.00, 0.60, 0.30, 0.10),  # Basophil
}

# Per-class cues on top of the attributes (BGR colours, 0-255):
#   nucleus: base colour of the nucleus
#   cytoplasm: base colour of slight-basophilia cytoplasm
#   lobes: (min, max) nucleus lobes when irregular (1 = indented/kidney)
#   granules: None or (colour, density per unit area, size factor)
#   rods: probability of Auer-rod-like needles
CLASS_CUES = {
    1: dict(nucleus=(150, 60, 110), cytoplasm=(200, 160, 150), lobes=(1, 1),
            granules=None, rods=0.5),
    2: dict(nucleus=(140, 50, 70), cytoplasm=(210, 170, 160), lobes=(1, 1),
            granules=None, rods=0.0),
    3: dict(nucleus=(120, 40, 90), cytoplasm=(196, 176, 222), lobes=(3, 5),
            granules=((150, 120, 200), 0.25, 0.05), rods=0.0),
    4: dict(nucleus=(130, 50, 80), cytoplasm=(225, 165, 130), lobes=(1, 1),
            granules=None, rods=0.0),
    5: dict(nucleus=(165, 85, 130), cytoplasm=(200, 180, 175), lobes=(1, 2),
            granules=((160, 110, 190), 0.05, 0.05), rods=0.0),
    6: dict(nucleus=(175, 95, 140), cytoplasm=(215, 175, 160), lobes=(1, 1),
            granules=None, rods=0.0),
    7: dict(nucleus=(110, 30, 60), cytoplasm=(215, 165, 145), lobes=(1, 1),
            granules=None, rods=0.0),
    8: dict(nucleus=(140, 60, 110), cytoplasm=(185, 175, 210), lobes=(1, 1),
            granules=((140, 100, 200), 0.35, 0.05), rods=0.0),
    9: dict(nucleus=(150, 65, 120), cytoplasm=(180, 150, 200), lobes=(2, 2),
            granules=((110, 40, 170), 0.6, 0.06), rods=0.6),
    10: dict(nucleus=(160, 90, 140), cytoplasm=(205, 195, 190), lobes=(1, 1),
             granules=None, rods=0.0),
    11: dict(nucleus=(130, 55, 100), cytoplasm=(190, 180, 210), lobes=(1, 1),
             granules=((150, 120, 200), 0.2, 0.05), rods=0.0),
    12: dict(nucleus=(125, 45, 95), cytoplasm=(170, 190, 230), lobes=(2, 2),
             granules=((60, 120, 235), 1.2, 0.09), rods=0.0),
    13: dict(nucleus=(110, 30, 80), cytoplasm=(190, 160, 180), lobes=(2, 3),
             granules=((80, 20, 60), 1.0, 0.09), rods=0.0),
}

# Which classes a diagnosis' films show (weights), loosely by disease.
DIAGNOSIS_CLASS_WEIGHTS = {
    'AML': {1: 6, 3: 2, 5: 1, 6: 1, 7: 1, 8: 1, 10: 1, 0: 1},
    'ALL': {2: 6, 7: 2, 4: 1, 3: 1, 0: 1},
    'CML': {3: 3, 8: 3, 11: 3, 12: 1, 13: 1, 1: 1, 0: 1},
    'CLL': {7: 6, 4: 2, 3: 1, 0: 1},
    'APML': {9: 6, 1: 1, 3: 1, 6: 1, 5: 1, 0: 1},
}
DIAGNOSES = tuple(DIAGNOSIS_CLASS_WEIGHTS)
