// Which loopback address a lab server binds. The lab never listens anywhere else.
#pragma once

#include <string_view>

namespace tlsprobe::lab {

enum class Loopback { ipv4, ipv6 };

// "127.0.0.1" or "::1": the address a client connects to.
std::string_view to_string(Loopback where);

}  // namespace tlsprobe::lab
