// Diagnosis: from what the wire showed to the likely server-side cause. The value types live
// here; the rules (pure, table-driven) are in diagnosis_rules.hpp, the report paragraph in
// verdict.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tlsprobe::probe {

// How sure the wire evidence lets us be. `high`: the evidence admits this cause only (or it
// is a fact, such as an expired certificate). `medium`: the best of several fitting causes.
// `low`: possible, listed so the admin can rule it out.
enum class Confidence { low, medium, high };
std::string_view to_string(Confidence c);
std::optional<Confidence> parse_confidence(std::string_view text);

// One server platform's steps for a diagnosis (judge/diagnosis_rules.cpp writes them per
// platform; "generic" holds the steps that fit any server).
struct PlatformAdvice {
    std::string platform;  // "iis", "nginx", "apache", "haproxy", "java" or "generic"
    std::string name;      // "IIS / HTTP.sys", "nginx", ..., "any server"
    std::vector<std::string> confirm;
    std::vector<std::string> fix;
};

struct Diagnosis {
    std::string id;                      // stable: "binding.sni_required"
    std::vector<std::string> scenarios;  // the article's scenarios: "S1", "S4"; empty when none
    Confidence confidence = Confidence::low;
    std::string summary;                   // one sentence in plain words
    std::vector<std::string> evidence;     // facts from this run that triggered it
    std::vector<std::string> client_sees;  // what a browser / Windows / OpenSSL client reports
    std::vector<std::string> confirm;      // how to confirm on the server
    std::vector<std::string> fix;          // what to change, with this target's values filled in
    // `confirm` and `fix` above are the steps for `advice_for`: the detected platform
    // (TargetResult::platform) when the rule has steps for it, else "generic".
    std::string advice_for = "generic";
    // Every platform's steps, the detected platform's first, then the others in catalogue
    // order (IIS, nginx, Apache, HAProxy, Java), then the generic steps: the first entry is
    // always the one `confirm`/`fix` hold.
    std::vector<PlatformAdvice> advice;
};

}  // namespace tlsprobe::probe
