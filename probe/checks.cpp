// The check registry: one row per check kind (see check.hpp).
#include <algorithm>
#include <array>

#include "probe/check.hpp"
#include "probe/checks/alpn.hpp"
#include "probe/checks/resumption.hpp"
#include "probe/checks/http_headers.hpp"
#include "probe/checks/renegotiation.hpp"
#include "probe/checks/ocsp.hpp"

namespace tlsprobe::probe {
namespace {

const checks::AlpnCheck kAlpn;
const checks::ResumptionCheck kResumption;
const checks::HttpHeadersCheck kHttpHeaders;
const checks::RenegotiationCheck kRenegotiation;
const checks::OcspCheck kOcsp;

const std::array<const CheckKind*, 5> kKinds{{
    &kAlpn,
    &kResumption,
    &kHttpHeaders,
    &kRenegotiation,
    &kOcsp,
}};

}  // namespace

std::span<const CheckKind* const> check_kinds() { return kKinds; }

const CheckKind* find_check_kind(std::string_view id) {
    const auto it = std::find_if(kKinds.begin(), kKinds.end(),
                                 [&](const CheckKind* k) { return k->id() == id; });
    return it == kKinds.end() ? nullptr : *it;
}

}  // namespace tlsprobe::probe
