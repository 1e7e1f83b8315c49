// The diagnosis rules: a finished result in, the likely server-side causes out, ranked.
//
// Pure and table-driven (diagnosis_rules.cpp holds one row per id: scenarios, what the client
// sees, how to confirm on the server and the fix, generic and per server platform; the
// detected platform, TargetResult::platform, gets its steps first). Each row's matcher reads only
// the result, so the tests feed constructed results. The reference is ../shared/DIAGNOSIS.md; the
// article's scenarios: S1 certificate without private key, S2 key/chain/EKU problems, S3 another
// process or an http binding on the port, S4 HTTP.sys binding problems (empty hash, SNI-only), S5
// no shared protocol or cipher.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/diagnosis.hpp"
#include "probe/result.hpp"

namespace tlsprobe::judge {

// One row of the catalogue: every id tlsprobe can diagnose (listed in the README).
struct DiagnosisKind {
    std::string_view id;
    std::string_view scenarios;  // "S1 S2 S4"; empty when the article has no such scenario
    std::string_view title;
};
std::span<const DiagnosisKind> diagnosis_kinds();

// Every diagnosis the evidence supports, most likely first (confidence, then catalogue
// order, which puts causes that explain more of the evidence first). Empty when the site
// works: a healthy server gets no diagnosis.
std::vector<probe::Diagnosis> diagnose(const probe::TargetResult& result);

}  // namespace tlsprobe::judge
