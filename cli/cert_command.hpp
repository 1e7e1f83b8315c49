// `tlsprobe cert FILE...`: checks certificate files offline before go-live (issue 17): the
// private key (S1), the chain, trust, usage, dates and names (S2), and how to install them.
// A row of the command table (cli.hpp). Exit codes: 0 no high-severity finding, 1 a high or
// critical finding, 2 usage error or a file that cannot be read (including a PKCS#12 password
// that is missing or wrong), 4 internal error.
#pragma once

#include <chrono>
#include <string_view>

#include "cli/cli.hpp"

namespace tlsprobe::cli {

Command cert_command();

// --at: "2026-07-01" (midnight UTC), "2026-07-01T12:00", "2026-07-01T12:00:00Z" (UTC only).
// Throws UsageError naming the value.
std::chrono::system_clock::time_point parse_at_time(std::string_view text);

}  // namespace tlsprobe::cli
