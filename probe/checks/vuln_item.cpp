#include "probe/checks/vuln_item.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tlsprobe::probe::checks {

nlohmann::json vulnerability_json(const Vulnerability& item, std::optional<core::Version> version) {
    nlohmann::json j = {
        {"id", item.id},
        {"name", item.name},
        {"cve", item.cves},
        {"status", to_string(item.status)},
        {"evidence", item.evidence},
        {"version", version ? nlohmann::json(core::to_string(*version)) : nlohmann::json()}};
    if (!item.note.empty()) j["note"] = item.note;
    return j;
}

std::vector<std::string> vulnerability_text(const Vulnerability& item,
                                            std::vector<std::string> details) {
    std::vector<std::string> lines;
    const auto name = fmt::format("{} ({})", item.name, fmt::join(item.cves, ", "));
    switch (item.status) {
        case VulnStatus::vulnerable:
            lines.push_back(fmt::format("{}: VULNERABLE: {}", name, fmt::join(item.evidence, "; ")));
            break;
        case VulnStatus::not_vulnerable:
            lines.push_back(fmt::format("{}: not vulnerable", name));
            break;
        case VulnStatus::unknown: lines.push_back(fmt::format("{}: unknown", name)); break;
    }
    for (auto& d : details) lines.push_back(std::move(d));
    if (!item.note.empty()) lines.push_back(item.note);
    return lines;
}

}  // namespace tlsprobe::probe::checks
