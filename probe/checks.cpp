// The check registry: one row per check kind (see check.hpp).
#include <algorithm>
#include <array>

#include "probe/check.hpp"
#include "probe/checks/active_vulns.hpp"
#include "probe/checks/aia.hpp"
#include "probe/checks/alpn.hpp"
#include "probe/checks/clients.hpp"
#include "probe/checks/hello_features.hpp"
#include "probe/checks/http_headers.hpp"
#include "probe/checks/ocsp.hpp"
#include "probe/checks/renegotiation.hpp"
#include "probe/checks/resumption.hpp"
#include "probe/checks/robot.hpp"
#include "probe/checks/ticketbleed.hpp"
#include "probe/checks/revocation.hpp"
#include "probe/checks/vulnerabilities.hpp"
#include "probe/checks/early_data.hpp"
#include "probe/checks/npn.hpp"
#include "probe/checks/sct.hpp"

namespace tlsprobe::probe {
namespace {

const checks::AlpnCheck kAlpn;
const checks::ResumptionCheck kResumption;
const checks::HttpHeadersCheck kHttpHeaders;
const checks::RenegotiationCheck kRenegotiation;
const checks::OcspCheck kOcsp;
const checks::VulnerabilitiesCheck kVulnerabilities;
const checks::HelloFeaturesCheck kHelloFeatures;
const checks::HeartbleedCheck kHeartbleed;
const checks::CcsInjectionCheck kCcsInjection;
const checks::RobotCheck kRobot;
const checks::TicketbleedCheck kTicketbleed;
const checks::AiaCheck kAia;
const checks::RevocationCheck kRevocation;
const checks::ClientsCheck kClients;
const checks::EarlyDataCheck kEarlyData;
const checks::NpnCheck kNpn;
const checks::SctCheck kSct;

const std::array<const CheckKind*, 17> kKinds{{
    &kAlpn,
    &kResumption,
    &kHttpHeaders,
    &kRenegotiation,
    &kOcsp,
    &kVulnerabilities,
    &kHelloFeatures,
    &kHeartbleed,
    &kCcsInjection,
    &kRobot,
    &kTicketbleed,
    &kAia,         // after ocsp: revocation reads the staple, and the issuer aia fetched
    &kRevocation,
    &kClients,
    &kEarlyData,
    &kNpn,
    &kSct,
}};

}  // namespace

std::span<const CheckKind* const> check_kinds() { return kKinds; }

const CheckKind* find_check_kind(std::string_view id) {
    const auto it = std::find_if(kKinds.begin(), kKinds.end(),
                                 [&](const CheckKind* k) { return k->id() == id; });
    return it == kKinds.end() ? nullptr : *it;
}

}  // namespace tlsprobe::probe
