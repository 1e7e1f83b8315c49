#include "report/junit.hpp"

#include <ctime>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "report/format_util.hpp"
#include "report/xml_writer.hpp"

namespace tlsprobe::report {
namespace {

constexpr std::string_view kClassname = "tlsprobe.check";

std::string seconds(std::chrono::microseconds us) {
    return fmt::format("{:.3f}", to_ms(us) / 1000.0);
}

// Ant's timestamp: UTC, without a zone designator ("2026-11-24T14:40:51").
std::string ant_timestamp(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::string failure_text(const judge::RuleResult& r) {
    std::string text = fmt::format("expected: {}\nactual: {}\n", r.expected, r.actual);
    for (const auto& e : r.evidence) text += "- " + e + "\n";
    return text;
}

std::string not_applicable_reason(const judge::RuleResult& r) {
    return r.evidence.empty() ? r.actual : fmt::format("{}", fmt::join(r.evidence, "; "));
}

}  // namespace

std::string render_junit(const judge::CheckReport& report, const JunitOptions& options) {
    XmlWriter x;
    x.open("testsuites");
    for (std::size_t index = 0; index < report.targets.size(); ++index) {
        const auto& t = report.targets[index];
        const auto& r = t.result;
        const bool unreachable = r.verdict == probe::TargetVerdict::unreachable;
        const auto target = r.target.display();
        // Rules that do not apply are testcases only with --strict (where they fail).
        std::size_t tests = unreachable ? 1 : 0, failures = 0;
        std::string out;
        for (const auto& rule : t.rules) {
            if (rule.status == judge::RuleStatus::not_applicable && !report.strict) {
                out += fmt::format("not applicable: {}: {}\n", rule.id,
                                   not_applicable_reason(rule));
                continue;
            }
            ++tests;
            if (rule.status != judge::RuleStatus::pass) ++failures;
        }
        x.open("testsuite",
               {{"name", target},
                {"timestamp", ant_timestamp(r.started)},
                {"hostname", options.hostname.empty() ? "localhost" : options.hostname},
                {"tests", std::to_string(tests)},
                {"failures", std::to_string(failures)},
                {"errors", std::to_string(unreachable ? 1 : 0)},
                {"time", seconds(r.duration)},
                {"id", std::to_string(index)},
                {"package", std::string(kClassname)}});
        x.open("properties");
        x.element("property", {{"name", "policy"}, {"value", report.policy_source}});
        x.element("property", {{"name", "target"}, {"value", target}});
        x.element("property", {{"name", "address"}, {"value", r.address}});
        x.element("property", {{"name", "verdict"}, {"value", std::string(to_string(t.verdict))}});
        x.close();
        if (unreachable) {
            x.open("testcase", {{"name", fmt::format("target.reachable ({})", target)},
                                {"classname", std::string(kClassname)},
                                {"time", seconds(r.duration)}});
            std::string detail;
            for (const auto& p : r.probes)
                detail += fmt::format("{}: {} {}\n", p.spec.id,
                                      core::to_string(p.observation.status), p.observation.detail);
            x.element(
                "error",
                {{"message", "the target could not be reached"}, {"type", "target.unreachable"}},
                detail);
            x.close();
        }
        for (const auto& rule : t.rules) {
            if (rule.status == judge::RuleStatus::not_applicable && !report.strict) continue;
            const auto name = fmt::format("{}: {} ({})", rule.id, rule.title, target);
            const judge::RuleStatus status = rule.status;
            if (status == judge::RuleStatus::pass) {
                x.element("testcase", {{"name", name},
                                       {"classname", std::string(kClassname)},
                                       {"time", "0"}});
                continue;
            }
            x.open("testcase",
                   {{"name", name}, {"classname", std::string(kClassname)}, {"time", "0"}});
            if (status == judge::RuleStatus::fail)
                x.element(
                    "failure",
                    {{"message", fmt::format("expected {}; got {}", rule.expected, rule.actual)},
                     {"type", rule.id}},
                    failure_text(rule));
            else  // not applicable, and --strict counts that as a failure
                x.element("failure",
                          {{"message", fmt::format("not applicable (--strict): {}",
                                                   not_applicable_reason(rule))},
                           {"type", "not_applicable"}},
                          failure_text(rule));
            x.close();
        }
        x.element("system-out", {}, out);
        x.element("system-err");
        x.close();
    }
    x.close();
    return x.str();
}

}  // namespace tlsprobe::report
