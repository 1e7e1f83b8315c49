// A scripted DNS server on 127.0.0.1 (UDP): answers A and AAAA queries from a fixed zone with
// the TTL each name is given, NXDOMAIN for names it does not know, and nothing at all for
// names marked silent (a stuck DNS server). Counts the queries per name, so tests can see what
// a resolver's cache saved. For the resolver tests; never used outside loopback.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tlsprobe::lab {

struct DnsName {
    std::vector<std::string> a, aaaa;  // addresses, as text
    std::uint32_t ttl = 300;
    bool silent = false;  // never answered
};

class DnsServer {
public:
    // Names in lower case, without the final dot. Throws when 127.0.0.1:0 cannot be bound.
    explicit DnsServer(std::map<std::string, DnsName> zone);
    ~DnsServer();
    DnsServer(const DnsServer&) = delete;
    DnsServer& operator=(const DnsServer&) = delete;

    unsigned short port() const;
    std::string address() const;  // "127.0.0.1:PORT", as a resolver's server list takes it
    // Queries received for `name` (any type).
    std::size_t queries(const std::string& name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tlsprobe::lab
