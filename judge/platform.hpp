// Which server software and TLS stack answer on the port, decided once from what the probe
// already recorded: the plain-HTTP check's Server header, a non-TLS reply on the TLS port
// (HTTP.sys's "400 Bad Request" with Server: Microsoft-HTTPAPI/2.0), and how the TLS stack
// refuses what it does not accept (Schannel resets without an alert; OpenSSL, BoringSSL, Go
// and JSSE send alerts). judge::assess() stores it as TargetResult::platform; the diagnosis
// writes its steps for it first. Pure.
#pragma once

#include "probe/platform.hpp"
#include "probe/result.hpp"
#include "wire/starttls.hpp"

namespace tlsprobe::judge {

// The platform the evidence points at, with its confidence and one evidence line per fact:
// a Server header alone is medium; a header and a stack habit that fits it is high (so is
// HTTP.sys's own reply to a ClientHello); stack habits alone are low, and so is a header the
// habits contradict (a front end may terminate TLS for the server that sets the header: the
// platform then follows the habits, and the evidence names the header).
probe::Platform identify_platform(const probe::TargetResult& result);

// The software and stack a Server header names ("nginx/1.22.1" -> nginx, OpenSSL;
// "Microsoft-IIS/10.0" -> IIS, Schannel); software unknown when the header names nothing known.
struct HeaderGuess {
    probe::ServerSoftware software = probe::ServerSoftware::unknown;
    probe::TlsStack stack = probe::TlsStack::unknown;
};
HeaderGuess platform_from_server_header(std::string_view header);

// The mail, directory or database server a STARTTLS greeting names ("220 mx ESMTP Postfix" ->
// Postfix, OpenSSL; a MySQL version "10.11.6-MariaDB" -> MySQL / MariaDB); PostgreSQL by its
// protocol alone (it greets with nothing). Software unknown when the greeting names nothing
// known (OpenLDAP and Active Directory say nothing before TLS).
HeaderGuess platform_from_greeting(wire::StartTls protocol, std::string_view greeting);

}  // namespace tlsprobe::judge
