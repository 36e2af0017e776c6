#!/usr/bin/env python3
"""Check an OpenAPI file, and answers a server gave, against it.

usage: openapi-check.py SPEC.yaml [EXCHANGES.json] [--all]

SPEC is validated with openapi-spec-validator (OpenAPI 3.1). EXCHANGES is a JSON list of
{"method", "path", "status", "contentType", "body"} (body: the answer's text), optionally with
"schema": "ComponentName" to check the body against a named schema instead (an event's data).
Each answer must be documented: its path matches a path of the spec, the method is there, the
status is listed for it, the content type too; a JSON body must validate against the schema.
With --all every operation of the spec must have been exercised. Prints every problem, exits
1 if there was one. Needs the tools scripts/install-deps.sh puts in /opt/tbctl-pytools.
"""
import json, re, sys

import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def pointer_escape(s):
    return s.replace("~", "~0").replace("/", "~1")


def follow(spec, node, pointer):
    """Follows $ref chains inside the spec; returns the node and its JSON pointer."""
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"][1:]
        node = spec
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def template_of(spec, path):
    for tmpl in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(tmpl)) + "$"
        if re.match(pattern, path):
            return tmpl
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    want_all = "--all" in sys.argv
    spec = yaml.safe_load(open(args[0]))
    validate(spec)
    problems, seen = [], set()
    if len(args) > 1:
        registry = Registry().with_resource("urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012))
        for x in json.load(open(args[1])):
            where = f"{x['method']} {x['path']} -> {x['status']}"
            if "schema" in x:
                ptr = "/components/schemas/" + x["schema"]
            else:
                path = x["path"].split("?")[0]
                tmpl = template_of(spec, path)
                if tmpl is None:
                    problems.append(f"{where}: path not in the spec"); continue
                op = spec["paths"][tmpl].get(x["method"].lower())
                if op is None:
                    problems.append(f"{where}: method not in the spec"); continue
                seen.add((x["method"].upper(), tmpl))
                response = op["responses"].get(str(x["status"]))
                if response is None:
                    problems.append(f"{where}: status not documented"); continue
                response, rptr = follow(spec, response, f"/paths/{pointer_escape(tmpl)}/{x['method'].lower()}/responses/{x['status']}")
                ctype = (x.get("contentType") or "").split(";")[0].strip()
                content = response.get("content", {})
                if ctype not in content:
                    problems.append(f"{where}: content type {ctype!r} not documented ({list(content)})"); continue
                if ctype != "application/json":
                    continue
                ptr = f"{rptr}/content/{pointer_escape(ctype)}/schema"
            try:
                body = json.loads(x["body"])
            except ValueError as e:
                problems.append(f"{where}: not JSON: {e}"); continue
            validator = OAS31Validator({"$ref": "urn:spec#" + ptr}, registry=registry)
            for e in validator.iter_errors(body):
                problems.append(f"{where}: {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}")
    if want_all:
        for tmpl, ops in spec["paths"].items():
            for method in ops:
                if (method.upper(), tmpl) not in seen:
                    problems.append(f"{method.upper()} {tmpl}: never exercised")
    for p in problems:
        print(p)
    print(f"openapi-check: {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


main()
