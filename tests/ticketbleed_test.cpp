// Ticketbleed (probe/checks/ticketbleed.*): the judgement on made-up answers, then end to end
// against the lab's OpenSSL server behind the Ticketbleed relay (lab/ticketbleed_server.*,
// vulnerable) and the same server directly (not vulnerable).
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lab/paths.hpp"
#include "lab/scenarios.hpp"
#include "lab/ticketbleed_server.hpp"
#include "probe/checks/ticketbleed.hpp"
#include "probe/probe_target.hpp"
#include "support.hpp"

using namespace tlsprobe;
using namespace std::chrono_literals;
using core::Version;
using probe::checks::TicketbleedCheck;
using probe::checks::VulnStatus;

namespace {

engine::RawResult answer_with_session_id(core::Bytes sid) {
    engine::RawResult r;
    wire::ServerHello h;
    h.session_id = std::move(sid);
    r.flight.hello = h;
    return r;
}

core::Bytes widened(std::uint8_t first) {
    core::Bytes b{first};
    while (b.size() < 32) b.push_back(0xee);
    return b;
}

probe::TargetResult probe_ticketbleed(unsigned short port) {
    probe::ProbeOptions o;
    o.timeout = 2s;
    o.trust = std::make_shared<x509::TrustStore>(
        x509::TrustStore::from_locations(lab::testcert("root-ca.pem").string(), ""));
    o.checks = {"ticketbleed"};
    auto t = probe::parse_target("tlsprobe.test:" + std::to_string(port));
    t.connect_to = "127.0.0.1";
    return test::judged(probe::probe_target_blocking(t, o));
}

const probe::checks::TicketbleedResult* ticketbleed_of(const probe::TargetResult& r) {
    for (const auto& c : r.checks)
        if (c->kind() == "ticketbleed")
            return dynamic_cast<const probe::checks::TicketbleedResult*>(c.get());
    return nullptr;
}

bool has_finding(const probe::TargetResult& r, std::string_view id) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](const probe::Finding& f) { return f.id == id; });
}

}  // namespace

TEST_CASE("ticketbleed: judged from the echoed session IDs", "[ticketbleed]") {
    const auto& bytes = TicketbleedCheck::kSessionIdBytes;
    const auto leak = TicketbleedCheck::judge(
        Version::tls1_2, 160, {answer_with_session_id(widened(bytes[0])), answer_with_session_id(widened(bytes[1]))});
    CHECK(leak->item.status == VulnStatus::vulnerable);
    CHECK(leak->excerpt_hex.find("ee") != std::string::npos);
    REQUIRE(leak->findings().size() == 1);
    CHECK(leak->findings()[0].id == "vuln.ticketbleed");
    CHECK(leak->findings()[0].detail.find("CVE-2016-9244") != std::string::npos);

    // The one byte echoed back: a correct resumption.
    const auto echo = TicketbleedCheck::judge(
        Version::tls1_2, 160, {answer_with_session_id({bytes[0]}), answer_with_session_id({bytes[1]})});
    CHECK(echo->item.status == VulnStatus::not_vulnerable);
    CHECK(echo->findings().empty());
    CHECK(echo->excerpt_hex.empty());

    // A full handshake with a fresh 32-byte ID does not start with our byte (both times).
    const auto fresh = TicketbleedCheck::judge(
        Version::tls1_2, 160, {answer_with_session_id(widened(0x01)), answer_with_session_id(widened(0x02))});
    CHECK(fresh->item.status == VulnStatus::not_vulnerable);

    CHECK(TicketbleedCheck::judge(Version::tls1_2, 0, {})->item.status == VulnStatus::not_vulnerable);
    const auto silent = TicketbleedCheck::judge(Version::tls1_2, 160, {engine::RawResult{}, engine::RawResult{}});
    CHECK(silent->item.status == VulnStatus::unknown);
    CHECK(silent->to_json()["session_id_echoed"].size() == 2);
}

TEST_CASE("ticketbleed: an OpenSSL server behind the F5-like relay leaks", "[ticketbleed][e2e]") {
    auto server = lab::ScenarioServer::start(*lab::find_scenario("healthy"));
    lab::TicketbleedRelay relay(server->port());
    const auto r = probe_ticketbleed(relay.port());
    const auto* t = ticketbleed_of(r);
    REQUIRE(t);
    INFO(t->to_json().dump());
    CHECK(t->item.status == VulnStatus::vulnerable);
    CHECK(t->ticket_bytes > 0);
    CHECK(relay.rewritten() == 2);
    CHECK(has_finding(r, "vuln.ticketbleed"));
    // Only a hex excerpt of the "memory" is kept.
    const auto all = t->to_json().dump() + fmt::format("{}", fmt::join(t->text(), "\n"));
    CHECK(all.find("TICKETBLEED-MEMORY") == std::string::npos);
    CHECK(!t->excerpt_hex.empty());
}

TEST_CASE("ticketbleed: a real OpenSSL server echoes the one byte", "[ticketbleed][e2e][openssl]") {
    auto server = lab::ScenarioServer::start(*lab::find_scenario("healthy"));
    const auto r = probe_ticketbleed(server->port());
    const auto* t = ticketbleed_of(r);
    REQUIRE(t);
    INFO(t->to_json().dump());
    CHECK(t->item.status == VulnStatus::not_vulnerable);
    CHECK(t->ticket_bytes > 0);
    REQUIRE(t->echoed.size() == 2);
    CHECK(t->echoed[0] == std::optional<std::size_t>(1));
    CHECK_FALSE(has_finding(r, "vuln.ticketbleed"));
}
