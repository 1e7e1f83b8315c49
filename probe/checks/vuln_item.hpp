// The parts every active vulnerability check (heartbleed, ccs_injection, ticketbleed, robot)
// renders alike: its Vulnerability item's JSON fields and its headline.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/version.hpp"
#include "probe/checks/vulnerabilities.hpp"

namespace tlsprobe::probe::checks {

// {"id", "name", "cve", "status", "evidence", "version" (null when no hello was sent), and
// "note" when there is one}; the check adds its own fields.
nlohmann::json vulnerability_json(const Vulnerability& item, std::optional<core::Version> version);

// The text: "NAME (CVE, ...): VULNERABLE: evidence; ..." (or "not vulnerable", "unknown"),
// then `details`, then the note when there is one.
std::vector<std::string> vulnerability_text(const Vulnerability& item,
                                            std::vector<std::string> details);

}  // namespace tlsprobe::probe::checks
