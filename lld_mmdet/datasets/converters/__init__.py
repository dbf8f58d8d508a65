from .lld_yolo import (FORMATS, LLDConversionError, coco_to_yolo,
                       dump_json_atomic, parse_file_name, yolo_to_coco)

__all__ = [
    'yolo_to_coco', 'coco_to_yolo', 'LLDConversionError', 'parse_file_name',
    'dump_json_atomic', 'FORMATS'
]
