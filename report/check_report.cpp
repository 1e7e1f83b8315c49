#include "report/check_report.hpp"

#include <fmt/format.h>

#include "report/format_util.hpp"
#include "report/json_report.hpp"

namespace tlsprobe::report {
namespace {

std::string_view status_label(judge::RuleStatus s) {
    switch (s) {
        case judge::RuleStatus::pass: return "PASS";
        case judge::RuleStatus::fail: return "FAIL";
        case judge::RuleStatus::not_applicable: return "N/A ";
    }
    return "N/A ";
}

}  // namespace

std::string render_check_text(const judge::CheckReport& report, bool verbose,
                              std::size_t width) {
    std::string out;
    for (const auto& t : report.targets) {
        out += fmt::format("{}  {}  ({} pass, {} fail, {} n/a)\n", t.result.target.display(),
                           fmt::format("{}", to_string(t.verdict)), t.counts.pass, t.counts.fail,
                           t.counts.not_applicable);
        if (t.result.verdict == probe::TargetVerdict::unreachable) {
            out += fmt::format(
                "  the target could not be reached; no rule could be checked ({} rules)\n",
                t.rules.size());
            for (const auto& p : t.result.probes)
                out += fmt::format("       - {}: {} {}\n", p.spec.id,
                                   core::to_string(p.observation.status), p.observation.detail);
            out += '\n';
            continue;
        }
        for (const auto& r : t.rules) {
            out += fmt::format("  {} {:<28} {}\n", status_label(r.status), r.id, r.actual);
            if (r.status == judge::RuleStatus::fail || verbose) {
                out += fmt::format("       expected: {}\n", r.expected);
                for (const auto& e : r.evidence) out += fmt::format("       - {}\n", e);
            } else if (r.status == judge::RuleStatus::not_applicable && !r.evidence.empty()) {
                out += fmt::format("       - {}\n", r.evidence.front());
            }
        }
        out += '\n';
    }
    out += fmt::format("check {}: policy {} ({}), {} target(s){}\n", to_string(report.verdict),
                       report.policy.name, report.policy_source, report.targets.size(),
                       report.strict ? ", strict" : "");
    return fit_text(out, width);
}

nlohmann::json check_to_json(const judge::CheckReport& report) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : report.targets) {
        nlohmann::json rules = nlohmann::json::array();
        for (const auto& r : t.rules)
            rules.push_back({{"id", r.id},
                             {"title", r.title},
                             {"status", to_string(r.status)},
                             {"expected", r.expected},
                             {"actual", r.actual},
                             {"evidence", r.evidence}});
        targets.push_back({{"target", t.result.target.display()},
                           {"verdict", to_string(t.verdict)},
                           {"rules", std::move(rules)},
                           {"result", to_json(t.result)}});
    }
    return {{"policy",
             {{"name", report.policy.name},
              {"source", report.policy_source},
              {"description", report.policy.description}}},
            {"strict", report.strict},
            {"verdict", to_string(report.verdict)},
            {"exit_code", static_cast<int>(report.exit)},
            {"targets", std::move(targets)}};
}

std::string render_check_json(const judge::CheckReport& report) {
    // `replace`: invalid UTF-8 in any string must not make the renderer throw.
    return check_to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
}

}  // namespace tlsprobe::report
