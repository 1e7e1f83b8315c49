#include "core/observation.hpp"

#include <fmt/format.h>

#include "core/alert.hpp"

namespace tlsprobe::core {

std::string_view to_string(TraceEvent::Direction d) {
    switch (d) {
        case TraceEvent::Direction::sent: return "sent";
        case TraceEvent::Direction::received: return "received";
        case TraceEvent::Direction::local: return "local";
    }
    return "local";
}

std::string outcome_phrase(const Observation& o) {
    const auto ms = static_cast<double>(o.elapsed.count()) / 1000.0;
    switch (o.status) {
        case Status::negotiated: return o.cipher;
        case Status::rejected_alert:
            return o.alert ? fmt::format("alert {} ({})", alert_name(*o.alert), *o.alert) : "alert";
        case Status::reset:
        case Status::closed: {
            const auto what = o.status == Status::reset ? "RST" : "FIN";
            const auto when = o.elapsed.count() > 0 ? fmt::format(" {:.1f} ms", ms) : std::string();
            if (o.phase == Phase::upgrade)
                return fmt::format("{} during the plaintext upgrade before TLS", what);
            return o.phase == Phase::hello
                       ? fmt::format("{}{} after ClientHello", what, when)
                       : fmt::format("{} during handshake{} after ClientHello", what, when);
        }
        case Status::timeout:
            if (o.phase == Phase::upgrade) return "no answer in the plaintext upgrade (timeout)";
            return o.phase == Phase::connect ? "TCP connect timed out" : "no answer (timeout)";
        case Status::refused: return "connection refused";
        default: return o.detail;
    }
}

}  // namespace tlsprobe::core
