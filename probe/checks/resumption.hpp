// The session-resumption check: does the server resume a session a client comes back with?
// Per mechanism, one full handshake and then one offering what it left (RFC 5246 §7.3 session
// IDs, RFC 5077 tickets with their lifetime hint, RFC 8446 §2.2 TLS 1.3 PSK from a
// NewSessionTicket). Resumption saves a full handshake per returning client; a long ticket
// lifetime stretches what one ticket key protects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/tls_session.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

enum class Mechanism { session_id, ticket, tls13_psk };
std::string_view to_string(Mechanism m);

enum class ResumeOutcome {
    resumed,      // the second handshake was abbreviated (SSL_session_reused)
    not_resumed,  // it completed in full: the server did not take the session back
    not_offered,  // the first handshake left nothing to come back with (no ID, no ticket)
    failed,       // a handshake failed (see detail): says nothing about resumption
};
std::string_view to_string(ResumeOutcome o);

struct ResumptionTry {
    Mechanism mechanism = Mechanism::session_id;
    core::Version version = core::Version::tls1_2;
    ResumeOutcome outcome = ResumeOutcome::failed;
    int tickets = 0;                             // NewSessionTickets in the first handshake
    std::optional<std::uint32_t> lifetime_hint;  // seconds, from the first ticket
    std::string detail;
};

class ResumptionResult final : public CheckResult {
public:
    std::vector<ResumptionTry> tries;  // in Mechanism order, only the versions the server has

    // Ticket lifetimes above this are a finding (a day: Mozilla's guidance rotates ticket keys
    // daily; RFC 8446 §4.6.1 caps TLS 1.3 at 7 days).
    static constexpr std::uint32_t kLongLifetime = 24 * 3600;

    std::string_view kind() const override { return "resumption"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class ResumptionCheck final : public CheckKind {
public:
    std::string_view id() const override { return "resumption"; }
    std::string_view title() const override { return "Session resumption"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the two connections of one mechanism to its outcome.
    static ResumptionTry judge_try(Mechanism m, core::Version v, const engine::SessionResult& first,
                                   const engine::SessionResult* second);
};

}  // namespace tlsprobe::probe::checks
