#include "tls/observation.hpp"

namespace tlsprobe::tls {

std::string_view to_string(TraceEvent::Direction d) {
    switch (d) {
        case TraceEvent::Direction::sent: return "sent";
        case TraceEvent::Direction::received: return "received";
        case TraceEvent::Direction::local: return "local";
    }
    return "local";
}

}  // namespace tlsprobe::tls
