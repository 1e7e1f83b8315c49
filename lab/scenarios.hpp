// The catalogue behind `tlsprobe demo` and the end-to-end tests: one loopback server per
// article scenario or common chain fault, and the diagnosis the probe should reach for it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tlsprobe::lab {

struct Scenario {
    std::string id;                // stable: "healthy", "sni-required", ...
    std::string title;             // one line for the demo's heading
    std::string article_scenario;  // "S1/S2/S4", "S3", "S5", "-" (not in the article)
    std::string
        expected_diagnosis;  // top diagnosis id the probe should report ("works" when healthy)
    std::string sni;         // the name the probe should send ("tlsprobe.test")
    // The whole judgement the scenario pins (the accuracy matrix, tests/scenarios_test.cpp):
    // the target verdict ("ok", "warn", "fail", "no_tls", "unreachable") and finding ids that
    // must be among the findings. Probed as `tlsprobe demo` does: cipher enumeration and every
    // check kind on.
    std::string expected_verdict;
    std::vector<std::string> expected_findings;
};

// Every scenario, in demo order. Ids are unique.
const std::vector<Scenario>& scenarios();
// The scenario with that id, or nullptr.
const Scenario* find_scenario(std::string_view id);

class TlsServer;
class RawServer;

// A running server for one scenario, on 127.0.0.1; stops when destroyed.
class ScenarioServer {
public:
    // Throws std::invalid_argument for an unknown id, std::runtime_error when a test
    // certificate is missing (see lab/paths.hpp).
    static std::unique_ptr<ScenarioServer> start(const Scenario& scenario);
    virtual ~ScenarioServer();
    ScenarioServer(const ScenarioServer&) = delete;
    ScenarioServer& operator=(const ScenarioServer&) = delete;

    unsigned short port() const;
    std::size_t connections() const;  // TCP connections accepted so far

private:
    ScenarioServer(std::unique_ptr<TlsServer> tls, std::unique_ptr<RawServer> raw);
    std::unique_ptr<TlsServer> tls_;  // exactly one of the two is set
    std::unique_ptr<RawServer> raw_;
};

}  // namespace tlsprobe::lab
