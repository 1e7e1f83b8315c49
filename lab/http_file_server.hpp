// A loopback HTTP/1.1 server that serves fixed files: the intermediate a leaf's AIA caIssuers
// URL names, a CRL, an OCSP response (to a POST of any request), a redirect, an oversized
// body. For the AIA and revocation tests and nothing else: one request per connection, then
// close.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lab/loopback.hpp"

namespace tlsprobe::lab {

struct HttpFile {
    int status = 200;
    std::string content_type = "application/octet-stream";
    std::vector<std::uint8_t> body;
    std::string location;  // a Location header (redirects)
};

class HttpFileServer {
public:
    // Listens on `where`:0; throws boost::system::system_error if it cannot bind.
    explicit HttpFileServer(Loopback where = Loopback::ipv4);
    ~HttpFileServer();
    HttpFileServer(const HttpFileServer&) = delete;
    HttpFileServer& operator=(const HttpFileServer&) = delete;

    // Serves `file` at `path` ("/int.der"), for GET and POST alike; other paths get 404.
    // Safe to call while serving.
    void set(std::string path, HttpFile file);
    unsigned short port() const;
    // "http://127.0.0.1:PORT" + path
    std::string url(std::string_view path) const;
    // Every request line received, in order: "GET /int.der", "POST /ocsp (75 bytes)".
    std::vector<std::string> requests() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tlsprobe::lab
