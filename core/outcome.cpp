#include "core/outcome.hpp"

#include <algorithm>

namespace tlsprobe::core {

std::string_view to_string(Status s) {
    switch (s) {
        case Status::negotiated: return "negotiated";
        case Status::rejected_alert: return "rejected_alert";
        case Status::reset: return "reset";
        case Status::closed: return "closed";
        case Status::not_tls: return "not_tls";
        case Status::protocol_error: return "protocol_error";
        case Status::timeout: return "timeout";
        case Status::refused: return "refused";
        case Status::dns_failed: return "dns_failed";
        case Status::unreachable: return "unreachable";
        case Status::local_unsupported: return "local_unsupported";
        case Status::local_limit: return "local_limit";
        case Status::internal_error: return "internal_error";
        case Status::starttls_not_offered: return "starttls_not_offered";
        case Status::starttls_refused: return "starttls_refused";
        case Status::starttls_auth_required: return "starttls_auth_required";
        case Status::wrong_protocol: return "wrong_protocol";
    }
    return "internal_error";
}

std::optional<Status> parse_status(std::string_view text) {
    auto it = std::find_if(all_statuses.begin(), all_statuses.end(),
                           [&](Status s) { return to_string(s) == text; });
    if (it == all_statuses.end()) return std::nullopt;
    return *it;
}

std::string_view to_string(Phase p) {
    switch (p) {
        case Phase::dns: return "dns";
        case Phase::connect: return "connect";
        case Phase::upgrade: return "upgrade";
        case Phase::hello: return "hello";
        case Phase::handshake: return "handshake";
        case Phase::done: return "done";
    }
    return "done";
}

}  // namespace tlsprobe::core
