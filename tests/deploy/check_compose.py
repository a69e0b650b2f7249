#!/usr/bin/env python3
"""Docker cannot run here, so check what can be checked: deploy/docker-compose.yml parses, keeps the
original's database service, and names exactly the environment variables the code reads."""
import pathlib
import re
import sys

import yaml

root = pathlib.Path(sys.argv[1])
compose = yaml.safe_load((root / "deploy" / "docker-compose.yml").read_text())
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def code_variables():
    names = set()
    config = (root / "src" / "cruddur" / "core" / "config.cpp").read_text()
    names |= set(re.findall(r'read_\w+\(env, "([A-Z0-9_]+)"', config))
    names |= set(re.findall(r'env\("([A-Z0-9_]+)"\)', config))
    for source in (root / "src").rglob("*.cpp"):
        text = source.read_text()
        names |= set(re.findall(r'getenv\("([A-Z0-9_]+)"\)', text))
        # Lookups through a core::EnvLookup (`env("…")`, `env_("…")`) and name tables of them.
        names |= set(re.findall(r'\benv_?\("([A-Z0-9_]+)"\)', text))
        names |= set(re.findall(r'\{"(AWS_ENDPOINT_URL_[A-Z0-9_]+)"', text))
    return names


services = compose.get("services", {})
db = services.get("db", {})
backend = services.get("backend-cpp", {})
check(str(db.get("image", "")).startswith("postgres:"), "db service runs a postgres image")
check(db.get("environment", {}).get("POSTGRES_USER") == "postgres", "db POSTGRES_USER=postgres")
check("POSTGRES_PASSWORD" in db.get("environment", {}), "db sets POSTGRES_PASSWORD")
check("5432:5432" in db.get("ports", []), "db publishes 5432")
check(any(str(v).startswith("db:") for v in db.get("volumes", [])), "db keeps data in volume db")
check("db" in compose.get("volumes", {}), "named volume db declared")
check(backend.get("build", {}).get("dockerfile") == "deploy/Dockerfile", "backend builds deploy/Dockerfile")
dynamodb = services.get("dynamodb-local", {})
check(str(dynamodb.get("image", "")).startswith("amazon/dynamodb-local"), "dynamodb-local runs amazon/dynamodb-local")
check("8000:8000" in dynamodb.get("ports", []), "dynamodb-local publishes 8000")
check("dynamodb-local:8000" in backend.get("environment", {}).get("AWS_ENDPOINT_URL_DYNAMODB", ""),
      "backend reaches dynamodb-local:8000 for DynamoDB")
check((root / "deploy" / "Dockerfile").is_file(), "deploy/Dockerfile exists")

environment = backend.get("environment", {})
check(environment.get("HOST") == "0.0.0.0", "backend listens on 0.0.0.0")
check("@db:5432/cruddur" in environment.get("CONNECTION_URL", ""), "backend reaches db:5432/cruddur")
read = code_variables()
# Variables only a developer's machine or the image itself uses.
not_for_compose = {"CRUDDUR_DB_DIR", "NO_COLOR", "PGDATABASE"}
# Set by the platform itself: ECS (container credentials) and Lambda.
not_for_compose |= {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                    "AWS_LAMBDA_FUNCTION_NAME"}
named = set(environment)
for name in sorted(named - read):
    failures.append(f"compose sets {name}, which the code never reads")
for name in sorted(read - named - not_for_compose):
    failures.append(f"the code reads {name}, which compose does not pass to the backend")

dockerfile = (root / "deploy" / "Dockerfile").read_text()
check("bookworm-slim" in dockerfile and dockerfile.count("FROM ") >= 2, "multi-stage bookworm-slim")
for name in re.findall(r"^\s+([A-Z_]+)=", dockerfile, re.M):
    check(name in read or name == "PATH", f"Dockerfile sets {name}, which the code never reads")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print(f"compose and Dockerfile agree with the code on {len(named)} variables")
