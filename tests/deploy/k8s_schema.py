"""Offline validation of rendered Kubernetes objects against the API schema.

No cluster is reachable from the tests, so the schema comes from Debian's
python3-kubernetes: its generated models (kubernetes.client.V1Job, ...) carry
each field's JSON name (`attribute_map`) and type (`openapi_types`), generated
from the Kubernetes OpenAPI document of the client's release (22.6: the
Kubernetes 1.22 API). validate() walks an object against them:
  - every field must be one the model knows (a misspelt or made-up field is
    an error; the API server would drop it or refuse it);
  - every value must have the model's type (str, int, bool, list, map, or a
    nested model), int-or-string fields taking either;
  - fields the model requires must be there (the models' constructors check
    them: the object is also deserialised through ApiClient).
Not checked here (the API server's own validation, not in the models):
name and label syntax, enum values, cross-field rules (selector matching
template labels, an Indexed Job needing completions), admission policies,
and fields newer than Kubernetes 1.22 (they count as unknown).
"""

import json
import re
import sys

sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-kubernetes and python3-yaml

import kubernetes.client  # noqa: E402
from kubernetes.client import ApiClient  # noqa: E402

_PRIMITIVES = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "date": (str,),
    "datetime": (str,),
}


def model_name(api_version, kind):
    """V1Job for batch/v1 Job, V1ConfigMap for v1 ConfigMap."""
    version = api_version.split("/")[-1]
    return version[0].upper() + version[1:] + kind


def _check(value, type_name, path, errors):
    if type_name == "object":  # int-or-string, raw JSON
        return
    if type_name in _PRIMITIVES:
        ok = isinstance(value, _PRIMITIVES[type_name])
        if type_name in ("int", "float") and isinstance(value, bool):
            ok = False
        if not ok:
            errors.append(f"{path}: expected {type_name}, got {type(value).__name__} {value!r}")
        return
    for pattern, container, what in ((r"list\[(.+)\]", list, "a list"),
                                     (r"dict\(str, (.+)\)", dict, "a map")):
        m = re.fullmatch(pattern, type_name)
        if not m:
            continue
        if not isinstance(value, container):
            errors.append(f"{path}: expected {what}, got {type(value).__name__}")
            return
        items = value.items() if container is dict else enumerate(value)
        for k, v in items:
            if container is dict and not isinstance(k, str):
                errors.append(f"{path}: key {k!r} is not a string")
            _check(v, m.group(1), f"{path}.{k}" if container is dict else f"{path}[{k}]", errors)
        return
    model = getattr(kubernetes.client, type_name, None)
    if model is None:
        errors.append(f"{path}: the schema has no type {type_name}")
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: expected a {type_name} object, got {type(value).__name__}")
        return
    by_json_name = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, v in value.items():
        attr = by_json_name.get(key)
        if attr is None:
            errors.append(f"{path}.{key}: not a field of {type_name}")
            continue
        _check(v, model.openapi_types[attr], f"{path}.{key}", errors)


class _Response:
    def __init__(self, obj):
        self.data = json.dumps(obj)


def validate(obj):
    """Errors (strings naming the path) of one rendered object; [] when valid."""
    where = f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"
    if "apiVersion" not in obj or "kind" not in obj:
        return [f"{where}: no apiVersion or kind"]
    name = model_name(obj["apiVersion"], obj["kind"])
    if getattr(kubernetes.client, name, None) is None:
        return [f"{where}: no {obj['apiVersion']} {obj['kind']} in the Kubernetes API schema"]
    errors = []
    _check(obj, name, where, errors)
    if not errors:
        try:  # the models' constructors refuse a required field left out
            ApiClient().deserialize(_Response(obj), name)
        except (ValueError, TypeError) as e:
            errors.append(f"{where}: {e}")
    return errors


def client_version():
    return getattr(kubernetes, "__version__", "?")
