"""Drives the real post-confirmation `bootstrap` through the fake Runtime API against PostgreSQL.

Usage: test_post_confirmation.py --repo DIR (--bootstrap PATH | --zip PATH) [unittest args]
Needs CRUDDUR_TEST_PG_URL (a superuser URL; scripts/test exports it). With --zip the archive is
unpacked and its `bootstrap` runs under `env -i`, as Lambda would run it.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_lambda_runtime import FakeLambdaRuntime  # noqa: E402

ARGS = None
APPLICATION_NAME = "cruddur-post-confirmation"


def pg_url():
    url = os.environ.get("CRUDDUR_TEST_PG_URL")
    if not url:
        raise RuntimeError("CRUDDUR_TEST_PG_URL is not set: run the tests through scripts/test, "
                           "which starts a throwaway PostgreSQL and exports it")
    return url


def with_database(url, name):
    return urllib.parse.urlsplit(url)._replace(path="/" + name).geturl()


def password_of(url):
    return urllib.parse.urlsplit(url).password or "\0no password\0"


def psql(url, sql=None, file=None):
    """Runs SQL with psql; returns the unaligned output. Errors never show the URL."""
    command = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url]
    command += ["-1", "-f", str(file)] if file else ["-c", sql]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"psql failed: {done.stderr.strip()}")
    return done.stdout.strip()


def migrations(repo):
    def version(path):
        return int(path.name.split("_", 1)[0])
    return sorted((repo / "db" / "migrations").glob("*.up.sql"), key=version)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def confirm_sign_up(sub, handle, email=None, name=None, trigger="PostConfirmation_ConfirmSignUp"):
    """A Cognito-shaped post-confirmation event."""
    attributes = {"sub": sub, "email_verified": "true", "cognito:user_status": "CONFIRMED",
                  "name": name if name is not None else f"User {handle}",
                  "preferred_username": handle,
                  "email": email if email is not None else f"{handle}@example.com"}
    return {"version": "1", "region": "us-east-1", "userPoolId": "us-east-1_TESTPOOL",
            "userName": sub, "triggerSource": trigger,
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                              "clientId": "5q6h9q8a7c0example"},
            "request": {"userAttributes": attributes}, "response": {}}


class Bootstrap:
    """One running bootstrap process talking to its own fake Runtime API."""

    def __init__(self, workdir, connection_url, extra_env=None):
        self.fake = FakeLambdaRuntime().start()
        self.log_path = Path(workdir) / f"bootstrap-{secrets.token_hex(4)}.log"
        env = {"AWS_LAMBDA_RUNTIME_API": self.fake.endpoint,
               "AWS_LAMBDA_FUNCTION_NAME": "cruddur-post-confirmation",
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
               "AWS_REGION": "us-east-1", "TZ": ":UTC", "LOG_LEVEL": "debug"}
        if connection_url is not None:
            env["CONNECTION_URL"] = connection_url
        env.update(extra_env or {})
        if ARGS.task_root:
            # What Lambda sets on provided.al2023 (the system directories come first there).
            root = str(ARGS.task_root)
            env.update({"LAMBDA_TASK_ROOT": root, "LAMBDA_RUNTIME_DIR": "/var/runtime",
                        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
                        "LD_LIBRARY_PATH": f"/lib64:/usr/lib64:/lib/x86_64-linux-gnu:{root}:"
                                           f"{root}/lib:/opt/lib"})
            command = ["env", "-i", *[f"{k}={v}" for k, v in env.items()],
                       str(ARGS.task_root / "bootstrap")]
            self.process = subprocess.Popen(command, cwd=root, env={"PATH": os.defpath},
                                            stdout=self.log_path.open("wb"),
                                            stderr=subprocess.STDOUT)
        else:
            full = {k: v for k, v in os.environ.items() if not k.startswith("CRUDDUR_TEST_")}
            full.pop("CONNECTION_URL", None)
            full.update(env)
            self.process = subprocess.Popen([str(ARGS.bootstrap)], env=full,
                                            stdout=self.log_path.open("wb"),
                                            stderr=subprocess.STDOUT)

    def alive(self):
        return self.process.poll() is None

    def invoke(self, event, **kwargs):
        """Sends one event and waits for its report."""
        request_id = self.fake.invoke(event, **kwargs)
        return self.fake.report(request_id, alive=self.alive)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.alive():
            self.process.terminate()
        self.process.wait(timeout=30)
        self.fake.stop()


class DatabaseCase(unittest.TestCase):
    """A fresh database with the schema and every migration, and a warm bootstrap on it."""

    @classmethod
    def setUpClass(cls):
        cls.admin_url = pg_url()
        cls.workdir = tempfile.mkdtemp(prefix="cruddur-lambda-")
        cls.dbname = f"cruddur_lambda_{os.getpid()}_{secrets.token_hex(4)}"
        psql(cls.admin_url, f'CREATE DATABASE "{cls.dbname}"')
        cls.url = with_database(cls.admin_url, cls.dbname)
        psql(cls.url, file=ARGS.repo / "db" / "schema.sql")
        for migration in migrations(ARGS.repo):
            psql(cls.url, file=migration)
        cls.bootstrap = Bootstrap(cls.workdir, cls.url)

    @classmethod
    def tearDownClass(cls):
        cls.bootstrap.stop()
        log = cls.bootstrap.log()
        psql(cls.admin_url, f'DROP DATABASE IF EXISTS "{cls.dbname}" WITH (FORCE)')
        shutil.rmtree(cls.workdir, ignore_errors=True)
        if password_of(cls.admin_url) in log:
            raise AssertionError("the bootstrap printed the database password")

    def tearDown(self):
        if not self.bootstrap.alive():
            print(self.bootstrap.log(), file=sys.stderr)
        self.assertTrue(self.bootstrap.alive(), "the bootstrap exited")

    def users(self, where):
        rows = psql(self.url, "SELECT coalesce(json_agg(u ORDER BY handle), '[]') FROM ("
                              "SELECT display_name, email, handle, cognito_user_id FROM users "
                              f"WHERE {where}) u")
        return json.loads(rows)

    def backend_pids(self):
        rows = psql(self.admin_url, "SELECT pid FROM pg_stat_activity "
                              f"WHERE application_name = '{APPLICATION_NAME}' "
                              f"AND datname = '{self.dbname}'")
        return [int(pid) for pid in rows.split()]

    def kill_backends(self):
        psql(self.admin_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             f"WHERE application_name = '{APPLICATION_NAME}' "
                       f"AND datname = '{self.dbname}'")
        end = time.monotonic() + 30
        while self.backend_pids():
            self.assertLess(time.monotonic(), end, "the backend did not go away")
            time.sleep(0.05)

    def assert_error(self, report, error_type):
        self.assertEqual(report.kind, "error", report.body)
        document = report.json()
        self.assertEqual(document["errorType"], error_type, document)
        self.assertEqual(report.headers.get("lambda-runtime-function-error-type"), error_type)
        self.assertIsInstance(document["errorMessage"], str)
        self.assertEqual(document["stackTrace"], [])
        return document["errorMessage"]


class PostConfirmationTest(DatabaseCase):

    def test_confirm_sign_up_inserts_the_user_and_returns_the_event_unchanged(self):
        sub = f"{secrets.token_hex(4)}-1111-2222-3333-444455556666"
        event = confirm_sign_up(sub, "valid_user", email="valid@example.com", name="Vålid Üser")
        # Byte for byte: unusual spacing and escapes must come back untouched.
        payload = json.dumps(event, indent=3, ensure_ascii=True).encode()
        report = self.bootstrap.invoke(payload)
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(report.body, payload)
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"),
                         [{"display_name": "Vålid Üser", "email": "valid@example.com",
                           "handle": "valid_user", "cognito_user_id": sub}])

    def test_the_same_confirmation_twice_inserts_once(self):
        sub = f"retry-{secrets.token_hex(8)}"
        event = confirm_sign_up(sub, "retried_user")
        first = self.bootstrap.invoke(event)
        second = self.bootstrap.invoke(event)
        self.assertEqual((first.kind, second.kind), ("response", "response"), second.body)
        self.assertEqual(second.json(), event)
        self.assertEqual(len(self.users(f"cognito_user_id = '{sub}'")), 1)

    def test_missing_attributes_are_a_function_error_and_insert_nothing(self):
        sub = f"missing-{secrets.token_hex(8)}"
        event = confirm_sign_up(sub, "missing_user", name="")
        del event["request"]["userAttributes"]["email"]
        message = self.assert_error(self.bootstrap.invoke(event), "InvalidEvent")
        self.assertIn("email", message)
        self.assertIn("name", message)
        self.assertNotIn("sub", message)
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"), [])

    def test_an_event_without_user_attributes_is_a_function_error(self):
        event = confirm_sign_up("x", "y")
        del event["request"]
        message = self.assert_error(self.bootstrap.invoke(event), "InvalidEvent")
        for name in ("sub", "email", "preferred_username", "name"):
            self.assertIn(name, message)

    def test_malformed_json_is_a_function_error_and_the_loop_goes_on(self):
        self.assert_error(self.bootstrap.invoke(b'{"triggerSource": "PostConf'), "InvalidEvent")
        self.assert_error(self.bootstrap.invoke(b'["an", "array"]'), "InvalidEvent")
        sub = f"after-malformed-{secrets.token_hex(8)}"
        report = self.bootstrap.invoke(confirm_sign_up(sub, "after_malformed"))
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(len(self.users(f"cognito_user_id = '{sub}'")), 1)

    def test_forgot_password_returns_the_event_and_inserts_nothing(self):
        sub = f"forgot-{secrets.token_hex(8)}"
        event = confirm_sign_up(sub, "forgot_user",
                                trigger="PostConfirmation_ConfirmForgotPassword")
        report = self.bootstrap.invoke(event)
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(report.json(), event)
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"), [])

    def test_a_handle_taken_by_another_user_is_reported_not_swallowed(self):
        self.assertEqual(self.bootstrap.invoke(confirm_sign_up("owner-1", "taken")).kind,
                         "response")
        report = self.bootstrap.invoke(confirm_sign_up("intruder-1", "taken"))
        self.assert_error(report, "UniqueViolation")
        self.assertEqual(self.users("cognito_user_id = 'intruder-1'"), [])

    def test_values_the_database_rejects_are_reported(self):
        report = self.bootstrap.invoke(confirm_sign_up("bad-handle-1", "has space"))
        self.assert_error(report, "CheckViolation")
        self.assertEqual(self.users("cognito_user_id = 'bad-handle-1'"), [])

    def test_the_connection_is_reused_across_invocations(self):
        self.bootstrap.invoke(confirm_sign_up(f"warm-a-{secrets.token_hex(4)}", "warm_a"))
        before = self.backend_pids()
        self.bootstrap.invoke(confirm_sign_up(f"warm-b-{secrets.token_hex(4)}", "warm_b"))
        self.assertEqual(len(before), 1)
        self.assertEqual(self.backend_pids(), before)

    def test_a_connection_killed_between_invocations_is_replaced(self):
        self.bootstrap.invoke(confirm_sign_up(f"pre-kill-{secrets.token_hex(4)}", "pre_kill"))
        old = self.backend_pids()
        self.kill_backends()
        sub = f"post-kill-{secrets.token_hex(8)}"
        report = self.bootstrap.invoke(confirm_sign_up(sub, "post_kill"))
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(len(self.users(f"cognito_user_id = '{sub}'")), 1)
        new = self.backend_pids()
        self.assertEqual(len(new), 1)
        self.assertNotEqual(new, old)

    def test_database_down_is_a_function_error_and_the_next_invocation_recovers(self):
        sub = f"db-down-{secrets.token_hex(8)}"
        event = confirm_sign_up(sub, "db_down_user")
        psql(self.admin_url, f'ALTER DATABASE "{self.dbname}" ALLOW_CONNECTIONS false')
        try:
            self.kill_backends()
            message = self.assert_error(self.bootstrap.invoke(event), "DbUnavailable")
            self.assertNotIn(password_of(self.admin_url), message)
        finally:
            psql(self.admin_url, f'ALTER DATABASE "{self.dbname}" ALLOW_CONNECTIONS true')
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"), [])
        report = self.bootstrap.invoke(event)  # Cognito's retry
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(len(self.users(f"cognito_user_id = '{sub}'")), 1)

    def test_a_passed_deadline_is_a_function_error(self):
        sub = f"late-{secrets.token_hex(8)}"
        report = self.bootstrap.invoke(confirm_sign_up(sub, "late_user"),
                                       deadline_ms=int(time.time() * 1000) - 1000)
        self.assert_error(report, "DeadlineExceeded")
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"), [])

    def test_without_a_deadline_header_a_default_budget_applies(self):
        sub = f"no-deadline-{secrets.token_hex(8)}"
        report = self.bootstrap.invoke(confirm_sign_up(sub, "no_deadline"), deadline_ms="")
        self.assertEqual(report.kind, "response", report.body)
        self.assertEqual(len(self.users(f"cognito_user_id = '{sub}'")), 1)

    def test_a_blocked_insert_is_cancelled_by_the_deadline(self):
        sub = f"blocked-{secrets.token_hex(8)}"
        event = confirm_sign_up(sub, "blocked_user")
        self.bootstrap.invoke(confirm_sign_up(f"warmup-{secrets.token_hex(4)}", "warmup_user"))
        locker = subprocess.Popen(
            ["psql", "-X", "-q", "-d", self.url, "-c",
             "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            end = time.monotonic() + 30
            locked = ("SELECT count(*) FROM pg_locks WHERE granted AND "
                      "relation = 'users'::regclass AND mode = 'AccessExclusiveLock'")
            while psql(self.url, locked) != "1":
                self.assertLess(time.monotonic(), end, "the lock was not taken")
                time.sleep(0.05)
            report = self.bootstrap.invoke(event, deadline_ms=int(time.time() * 1000) + 2500)
            self.assertEqual(report.kind, "error", report.body)
            self.assertIn(report.json()["errorType"], ("QueryCanceled", "DeadlineExceeded"))
        finally:
            locker.terminate()
            locker.wait(timeout=30)
            psql(self.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid() "
                           "AND datname = current_database()")
        self.assertEqual(self.users(f"cognito_user_id = '{sub}'"), [])
        self.assertEqual(self.bootstrap.invoke(event).kind, "response")

    def test_the_trace_id_of_each_invocation_is_taken(self):
        trace = f"Root=1-5759e988-{secrets.token_hex(12)};Parent=53995c3f42cd8ad8;Sampled=1"
        self.bootstrap.invoke(confirm_sign_up("trace-1", "trace_user"), trace_id=trace)
        self.assertIn(trace, self.bootstrap.log())


class UnreachableDatabaseTest(unittest.TestCase):
    """CONNECTION_URL points at a closed port: every invocation fails, the runtime stays up."""

    def test_every_invocation_fails_and_the_loop_keeps_running(self):
        workdir = tempfile.mkdtemp(prefix="cruddur-lambda-")
        secret = f"s3cret-{secrets.token_hex(6)}"
        bootstrap = Bootstrap(workdir, f"postgresql://cruddurroot:{secret}@127.0.0.1:"
                                       f"{closed_port()}/cruddur")
        try:
            for attempt in range(2):
                report = bootstrap.invoke(confirm_sign_up(f"down-{attempt}", f"down{attempt}"))
                self.assertEqual(report.kind, "error", report.body)
                self.assertEqual(report.json()["errorType"], "DbUnavailable")
                self.assertNotIn(secret, report.body.decode())
            self.assertTrue(bootstrap.alive())
        finally:
            bootstrap.stop()
            self.assertNotIn(secret, bootstrap.log())
            shutil.rmtree(workdir, ignore_errors=True)


class InitErrorTest(unittest.TestCase):
    """Settings that cannot work are reported to /runtime/init/error and the process exits."""

    def start(self, connection_url):
        self.workdir = tempfile.mkdtemp(prefix="cruddur-lambda-")
        self.addCleanup(shutil.rmtree, self.workdir, True)
        bootstrap = Bootstrap(self.workdir, connection_url)
        self.addCleanup(bootstrap.fake.stop)
        report = bootstrap.fake.init_error(alive=lambda: True)
        self.assertNotEqual(bootstrap.process.wait(timeout=60), 0)
        return report, bootstrap

    def test_missing_connection_url(self):
        report, _ = self.start(None)
        self.assertEqual(report.json()["errorType"], "InvalidConfig")
        self.assertIn("CONNECTION_URL", report.json()["errorMessage"])

    def test_malformed_connection_url_without_leaking_the_password(self):
        secret = f"s3cret-{secrets.token_hex(6)}"
        report, bootstrap = self.start(f"postgresql://u:{secret}@db.invalid/cruddur?bogus_opt=1")
        self.assertEqual(report.json()["errorType"], "MalformedUrl")
        self.assertNotIn(secret, report.body.decode())
        self.assertNotIn(secret, bootstrap.log())


class PackagedZipTest(unittest.TestCase):
    """The zip holds everything the bootstrap loads: no library comes from the system."""

    def test_contents(self):
        with zipfile.ZipFile(ARGS.zip) as archive:
            names = set(archive.namelist())
            mode = archive.getinfo("bootstrap").external_attr >> 16
        self.assertIn("bootstrap", names)
        self.assertIn("bin/bootstrap", names)
        self.assertIn("lib/ld-linux-x86-64.so.2", names)
        self.assertIn("lib/libc.so.6", names)
        self.assertIn("lib/libpq.so.5", names)
        self.assertTrue(mode & 0o111, "bootstrap is not executable in the zip")

    def test_only_bundled_files_are_mapped(self):
        workdir = tempfile.mkdtemp(prefix="cruddur-lambda-")
        # `localhost` makes glibc resolve a name (NSS) as it will for the RDS endpoint.
        bootstrap = Bootstrap(workdir, f"postgresql://u@localhost:{closed_port()}/x")
        try:
            report = bootstrap.invoke(confirm_sign_up("maps-1", "maps"))
            self.assertEqual(report.json()["errorType"], "DbUnavailable")
            maps = Path(f"/proc/{bootstrap.process.pid}/maps").read_text()
            files = {line.split(None, 5)[5] for line in maps.splitlines()
                     if len(line.split(None, 5)) == 6 and line.split(None, 5)[5].startswith("/")}
            root = str(ARGS.task_root.resolve())
            outside = sorted(f for f in files if not f.startswith(root + "/")
                             and not re.match(r"/(dev|proc|sys|memfd:)", f))
            self.assertIn(f"{root}/lib/libpq.so.5", files)
            self.assertIn(f"{root}/lib/libc.so.6", files)
            self.assertEqual(outside, [])
        finally:
            bootstrap.stop()
            shutil.rmtree(workdir, ignore_errors=True)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--bootstrap", type=Path)
    target.add_argument("--zip", type=Path)
    ARGS, rest = parser.parse_known_args()
    ARGS.task_root = None
    with tempfile.TemporaryDirectory(prefix="cruddur-lambda-task-") as task_root:
        if ARGS.zip:
            # zipfile drops the Unix modes, so unzip (as Lambda does) keeps bootstrap executable.
            subprocess.run(["unzip", "-q", str(ARGS.zip), "-d", task_root], check=True)
            ARGS.task_root = Path(task_root)
        suite = unittest.TestSuite()
        loader = unittest.TestLoader()
        for case in (PostConfirmationTest, UnreachableDatabaseTest, InitErrorTest):
            suite.addTests(loader.loadTestsFromTestCase(case))
        if ARGS.zip:
            suite.addTests(loader.loadTestsFromTestCase(PackagedZipTest))
        verbosity = 2 if "-v" in rest else 1
        result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
