"""Validates a JSON document against a JSON Schema with Debian's python3-jsonschema (the validator class the schema's
$schema names: draft-04, draft-07, ...).

Usage: validate_json_schema.py SCHEMA.json DOCUMENT.json
Prints "valid" and exits 0, or prints each error with its path in the document and exits 1.
"""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        document = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    if not errors:
        print(f"valid ({validator_class.__name__})")
        return 0
    for error in errors:
        print("/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message)
    return 1


if __name__ == "__main__":
    sys.exit(main())
