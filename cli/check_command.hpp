// `tlsprobe check` (the pre-go-live gate) and `tlsprobe policy show|list`: rows of the
// command table (cli.hpp). Exit codes of check: 0 pass, 1 a rule failed, 2 bad policy or
// usage, 3 a target could not be reached, 4 internal error.
#pragma once

#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "probe/target.hpp"

namespace tlsprobe::cli {

Command check_command();
Command policy_command();

// --targets FILE: the `tlsprobe scan` input format (probe/scan_input.hpp: host, host:port,
// URLs, optional ",connect-to,sni" columns, '#' comments). Throws UsageError when the file
// cannot be read or a line is bad ("FILE:LINE: 'text': reason"): a gate does not skip input.
std::vector<probe::Target> read_targets_file(const std::string& path);

}  // namespace tlsprobe::cli
