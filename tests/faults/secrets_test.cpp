// Secrets never appear in output: a server and the `cruddur db` commands run with a known
// database password (scram-sha-256), access tokens and keys, are driven through successes and
// failures (bad token, wrong password, database down), and every log line and every byte of
// stdout and stderr is searched for each secret. A self-check proves the search finds a secret
// that a process does print.
#include <gtest/gtest.h>
#include <signal.h>

#include "fault_fixture.hpp"

namespace cruddur::test {
namespace {

using namespace std::chrono_literals;

struct Secret {
  std::string name;
  std::string value;
};

struct Captured {
  std::string what;
  std::string text;
};

// "<secret> in <output>" for every secret found in any captured output.
std::vector<std::string> leaks(const std::vector<Captured>& outputs,
                               const std::vector<Secret>& secrets) {
  std::vector<std::string> found;
  for (const auto& output : outputs) {
    for (const auto& secret : secrets) {
      if (output.text.find(secret.value) != std::string::npos) {
        found.push_back(secret.name + " in " + output.what);
      }
    }
  }
  return found;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += item + "\n";
  return text;
}

class SecretsTest : public FaultTest {
 protected:
  void run(const std::string& what, const std::vector<std::string>& args,
           const std::map<std::string, std::string>& env = {}) {
    auto result = run_cruddur(args, env);
    outputs_.push_back({what + " (stdout)", result.out});
    outputs_.push_back({what + " (stderr)", result.err});
    exit_codes_.push_back(result.exit_code);
  }

  std::vector<Captured> outputs_;
  std::vector<int> exit_codes_;
};

TEST_F(SecretsTest, TheSearchFindsASecretThatAProcessPrints) {
  const Secret secret{"database password", cluster_password()};
  ChildProcess printer({"/bin/sh", "-c", R"(printf 'connecting with %s\n' "$CANARY" >&2)"},
                       {{"CANARY", secret.value}}, dir_ / "printer.log");
  ASSERT_EQ(printer.wait_exit(30s), std::optional<int>(0));
  auto printed =
      run_process({"/bin/sh", "-c", R"(printf '%s' "$CANARY")"}, {{"CANARY", secret.value}});
  std::vector<Captured> outputs{{"printer log", printer.log()}, {"printer stdout", printed.out}};
  EXPECT_EQ(leaks(outputs, {secret}).size(), 2u) << joined(leaks(outputs, {secret}));
}

TEST_F(SecretsTest, NoPasswordTokenOrKeyInAnyLogOrOutput) {
  auto token = dev_bearer("andrewbrown").substr(7);
  auto forged = token.substr(0, token.size() - 4)
                + (token.substr(token.size() - 4) == "AAAA" ? "BBBB" : "AAAA");
  auto signature = token.substr(token.rfind('.') + 1);
  const std::string momento_key = "momento-key-" + cluster_password();
  const std::string aws_secret = "aws-secret-" + cluster_password();
  const std::string wrong_password = "wrong-" + cluster_password();
  const std::vector<Secret> secrets{{"database password", cluster_password()},
                                    {"wrong password", wrong_password},
                                    {"access token", token},
                                    {"access token signature", signature},
                                    {"forged token", forged},
                                    {"moto access token", moto_bearer().substr(7)},
                                    {"Momento key", momento_key},
                                    {"AWS secret key", aws_secret}};
  auto wrong_url = url_;
  wrong_url.replace(wrong_url.find(cluster_password()), cluster_password().size(), wrong_password);

  auto server = start_server({{"LOG_LEVEL", "debug"},
                              {"MOMENTO_API_KEY", momento_key},
                              {"AWS_SECRET_ACCESS_KEY", aws_secret},
                              {"AWS_ACCESS_KEY_ID", "AKIDSECRETSTEST"}});
  HttpClient client(server.port);
  auto create = [&](const std::string& bearer) {
    return client
        .post("/api/activities", R"({"message":"secret test","ttl":"1-day"})", "Bearer " + bearer)
        .status;
  };
  EXPECT_EQ(client.get("/api/activities/home", "Bearer " + token).status, 200u);
  EXPECT_EQ(create(token), 200u);
  EXPECT_EQ(create(moto_bearer().substr(7)), 200u);
  EXPECT_EQ(create(forged), 401u);
  EXPECT_EQ(create(cluster_password()), 401u);
  EXPECT_EQ(client.get("/api/activities/notifications", "Bearer " + forged).status, 401u);

  run("db status", {"db", "status"});
  run("db sessions", {"db", "sessions"});
  run("db migrate", {"db", "--url", url_, "migrate"});
  run("db seed", {"db", "seed"});
  run("db create, wrong password", {"db", "--url", wrong_url, "create"});
  run("db status, wrong password", {"db", "status"}, {{"CONNECTION_URL", wrong_url}});
  run("db status --prod, wrong password", {"db", "status", "prod"},
      {{"PROD_CONNECTION_URL", wrong_url}});

  pg_ctl("stop");
  EXPECT_EQ(client.get("/api/activities/home").status, 503u);
  EXPECT_EQ(create(token), 503u);
  EXPECT_EQ(client.get("/api/ready").status, 503u);
  run("db status, database down", {"db", "status"});
  run("db wait, database down", {"db", "wait", "--timeout", "1"});
  run("db setup, database down", {"db", "--url", url_, "setup"});
  pg_ctl("start");
  EXPECT_LE(time_to_first_ok(client, Clock::now(), 60s), 60s);
  EXPECT_EQ(client.get("/api/activities/home").status, 200u);

  server.process->signal(SIGTERM);
  EXPECT_EQ(server.process->wait_exit(60s), std::optional<int>(0));
  for (auto code : exit_codes_) EXPECT_NE(code, -1) << "a command hung";
  EXPECT_NE(exit_codes_.back(), 0) << "setup with the database down must fail";
  outputs_.push_back({"server log", server.process->log()});
  outputs_.push_back({"first server's log", this->server().log()});
  ASSERT_NE(outputs_.back().text.find("listening"), std::string::npos) << "log not captured";
  EXPECT_TRUE(leaks(outputs_, secrets).empty()) << joined(leaks(outputs_, secrets));
  extra_servers_.push_back(std::move(server.process));
}

}  // namespace
}  // namespace cruddur::test
