// The 0-RTT check (TLS 1.3 early data, RFC 8446 §2.3, §4.2.10): a full handshake that waits
// for a NewSessionTicket, then, when the ticket allows early data (max_early_data_size > 0),
// a resumption that sends a harmless request (HEAD /) as early data with the ClientHello.
// Early data the server accepts can be replayed by anyone who recorded it (RFC 8446 §8): safe
// only for idempotent requests, which the application must enforce.
#pragma once

#include <cstdint>
#include <string>

#include "engine/tls_session.hpp"
#include "probe/check.hpp"

namespace tlsprobe::probe::checks {

enum class EarlyDataOutcome {
    accepted,     // the early data was sent and the server accepted it
    rejected,     // sent, and the server declined it (the handshake went on without it)
    not_allowed,  // the ticket's max_early_data_size is 0 (or absent): nothing to send
    no_ticket,    // the full handshake left no resumable TLS 1.3 session
    failed,       // a handshake failed (see detail): says nothing about 0-RTT
};
std::string_view to_string(EarlyDataOutcome o);

class EarlyDataResult final : public CheckResult {
public:
    EarlyDataOutcome outcome = EarlyDataOutcome::failed;
    std::uint32_t max_early_data = 0;  // from the first connection's ticket
    std::size_t sent = 0;              // bytes sent as early data
    bool resumed = false;              // the second handshake resumed the session
    std::string detail;

    std::string_view kind() const override { return "early_data"; }
    std::vector<Finding> findings() const override;
    nlohmann::json to_json() const override;
    std::vector<std::string> text() const override;
};

class EarlyDataCheck final : public CheckKind {
public:
    std::string_view id() const override { return "early_data"; }
    std::string_view title() const override { return "TLS 1.3 early data (0-RTT)"; }
    std::span<const FindingKind> finding_kinds() const override;
    bool applies(const TargetResult& result) const override;
    boost::asio::awaitable<CheckResultPtr> run(CheckContext context) const override;

    // The pure part: the two connections (the second absent when none was made).
    static EarlyDataResult judge(const engine::SessionResult& first,
                                 const engine::SessionResult* second);
};

}  // namespace tlsprobe::probe::checks
