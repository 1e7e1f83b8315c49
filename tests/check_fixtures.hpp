// Constructed probe results for the policy and report tests: a chain case of the test PKI
// analysed at a fixed time against the test root, with versions set by hand.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "probe/result.hpp"

namespace tlsprobe::testing {

inline const std::chrono::system_clock::time_point kCheckNow =
    std::chrono::sys_days{std::chrono::year{2026} / std::chrono::June / 1};

// The DER certificates of testcerts/<testcase>.chain.pem, in file order.
std::vector<core::Bytes> served_chain(const std::string& testcase);
// A reached target tlsprobe.test:443: TLS 1.2 and 1.3 accepted (negotiated suites only, no
// enumeration), TLS 1.0/1.1 refused with alert 70, SSL 2/3 not tested; chain `testcase`.
probe::TargetResult constructed_result(const std::string& testcase = "good");
// The same with the server sending `served` (DER, in that order) instead of a test case.
probe::TargetResult constructed_result_for_chain(std::vector<core::Bytes> served);
// A CA certificate with the subject of `like` but its own key and an unrelated issuer: the
// same name, a different certificate, on no path (its key identifier matches nothing).
core::Bytes same_name_impostor(const core::Bytes& like);
// A target whose only attempt was refused at TCP connect.
probe::TargetResult unreachable_result(const std::string& host = "down.example");

}  // namespace tlsprobe::testing
