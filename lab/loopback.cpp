#include "lab/loopback.hpp"

namespace tlsprobe::lab {

std::string_view to_string(Loopback where) {
    switch (where) {
        case Loopback::ipv4: return "127.0.0.1";
        case Loopback::ipv6: return "::1";
    }
    return "127.0.0.1";
}

}  // namespace tlsprobe::lab
