// The policy rules over the hygiene checks' results: ocsp.stapled (probe/checks/ocsp.*) and
// renegotiation.secure (probe/checks/renegotiation.*), pass, fail and not applicable, on
// results made up here; and their keys in the TOML policy.
#include <catch2/catch.hpp>
#include <memory>

#include "judge/policy.hpp"
#include "judge/policy_rules.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/renegotiation.hpp"
#include "probe/result.hpp"

using namespace tlsprobe;
using judge::RuleStatus;

namespace {

probe::TargetResult diagnosed() {
    probe::TargetResult t;
    t.facts.reached = true;
    t.facts.works = true;
    t.diagnosed = true;
    return t;
}

std::shared_ptr<probe::checks::OcspResult> good_staple() {
    auto o = std::make_shared<probe::checks::OcspResult>();
    o->handshake = true;
    o->stapled = true;
    o->checked_at = std::chrono::system_clock::now();
    o->response.parsed = true;
    o->response.response_status = "successful";
    o->response.cert_status = "good";
    o->response.matches_certificate = true;
    o->response.next_update = o->checked_at + std::chrono::hours(24);
    return o;
}

std::shared_ptr<probe::checks::RenegotiationResult> refused_renegotiation() {
    auto r = std::make_shared<probe::checks::RenegotiationResult>();
    r->handshake = true;
    r->secure_renegotiation = true;
    r->attempted = 5;
    r->accepted = 0;
    r->refusal = "alert no_renegotiation (100)";
    return r;
}

}  // namespace

TEST_CASE("policy rule ocsp.stapled: pass, fail and not applicable", "[policy_checks]") {
    judge::Policy policy;
    policy.ocsp_stapled = true;
    const auto* rule = judge::find_rule_kind("ocsp.stapled");
    REQUIRE(rule);
    CHECK(rule->enabled(policy));
    auto t = diagnosed();
    CHECK(rule->evaluate(policy, t).status == RuleStatus::not_applicable);  // check not run

    t.checks = {good_staple()};
    const auto passed = rule->evaluate(policy, t);
    CHECK(passed.status == RuleStatus::pass);
    CHECK(!passed.evidence.empty());

    auto none = good_staple();
    none->stapled = false;
    none->response = {};
    t.checks = {none};
    const auto failed = rule->evaluate(policy, t);
    CHECK(failed.status == RuleStatus::fail);
    CHECK(failed.actual == "no OCSP response stapled");

    auto revoked = good_staple();
    revoked->response.cert_status = "revoked";
    t.checks = {revoked};
    CHECK(rule->evaluate(policy, t).status == RuleStatus::fail);

    auto expired = good_staple();
    expired->response.next_update = expired->checked_at - std::chrono::hours(1);
    t.checks = {expired};
    CHECK(rule->evaluate(policy, t).status == RuleStatus::fail);

    auto no_handshake = good_staple();
    no_handshake->handshake = false;
    no_handshake->detail = "connection refused";
    t.checks = {no_handshake};
    CHECK(rule->evaluate(policy, t).status == RuleStatus::not_applicable);

    const auto parsed = judge::parse_policy("[ocsp]\nstapled = true\n", "o.toml");
    CHECK(parsed.ocsp_stapled);
    CHECK(judge::parse_policy(judge::to_toml(parsed), "<string>").ocsp_stapled);
    CHECK_THROWS_AS(judge::parse_policy("[ocsp]\nstapled = 1\n", "o.toml"), judge::PolicyError);
}

TEST_CASE("policy rule renegotiation.secure: pass, fail and not applicable", "[policy_checks]") {
    judge::Policy policy;
    policy.renegotiation_secure = true;
    const auto* rule = judge::find_rule_kind("renegotiation.secure");
    REQUIRE(rule);
    auto t = diagnosed();
    CHECK(rule->evaluate(policy, t).status == RuleStatus::not_applicable);

    t.checks = {refused_renegotiation()};
    CHECK(rule->evaluate(policy, t).status == RuleStatus::pass);

    auto insecure = refused_renegotiation();
    insecure->secure_renegotiation = false;
    t.checks = {insecure};
    const auto failed = rule->evaluate(policy, t);
    CHECK(failed.status == RuleStatus::fail);
    CHECK(failed.actual.find("RFC 5746") != std::string::npos);

    auto client_initiated = refused_renegotiation();
    client_initiated->accepted = 5;
    t.checks = {client_initiated};
    const auto accepted = rule->evaluate(policy, t);
    CHECK(accepted.status == RuleStatus::fail);
    CHECK(accepted.actual.find("5 of 5") != std::string::npos);

    auto broken = refused_renegotiation();
    broken->handshake = false;
    t.checks = {broken};
    CHECK(rule->evaluate(policy, t).status == RuleStatus::not_applicable);

    const auto parsed = judge::parse_policy("[renegotiation]\nsecure = true\n", "r.toml");
    CHECK(parsed.renegotiation_secure);
    CHECK(judge::parse_policy(judge::to_toml(parsed), "<string>").renegotiation_secure);
}
