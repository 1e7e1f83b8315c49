#include "lab/http_file_server.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <map>
#include <mutex>

#include "lab/server_thread.hpp"

namespace tlsprobe::lab {

namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr std::size_t kMaxRequest = 256 * 1024;
constexpr int kMaxReads = 1024;
constexpr std::chrono::seconds kRequestWindow{10};

std::string reason(int status) {
    switch (status) {
        case 200: return "OK";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 404: return "Not Found";
        case 500: return "Internal Server Error";
    }
    return "Status";
}

// The value of header `name` (lower-case) in `head`, or empty.
std::string header(std::string_view head, std::string_view name) {
    std::size_t at = 0;
    for (int i = 0; i < 128 && at < head.size(); ++i) {
        const auto end = head.find("\r\n", at);
        const auto line = head.substr(at, end == std::string_view::npos ? head.size() - at
                                                                         : end - at);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos && colon == name.size()) {
            bool same = true;
            for (std::size_t k = 0; k < colon; ++k)
                same = same && std::tolower(static_cast<unsigned char>(line[k])) == name[k];
            if (same) {
                auto value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                return std::string(value);
            }
        }
        if (end == std::string_view::npos) break;
        at = end + 2;
    }
    return "";
}

}  // namespace

struct HttpFileServer::Impl {
    mutable std::mutex mutex;
    std::map<std::string, HttpFile> files;
    std::vector<std::string> requests;
    Loopback where;
    detail::ServerThread thread;

    explicit Impl(Loopback w)
        : where(w), thread(w, [this](tcp::socket& s) { return serve(s); }) {}

    asio::awaitable<void> serve(tcp::socket& socket) {
        const auto deadline = std::chrono::steady_clock::now() + kRequestWindow;
        std::string data;
        std::array<char, 4096> chunk{};
        std::size_t head_end = std::string::npos;
        std::size_t wanted = 0;
        for (int i = 0; i < kMaxReads && data.size() < kMaxRequest; ++i) {
            if (head_end == std::string::npos) {
                head_end = data.find("\r\n\r\n");
                if (head_end != std::string::npos) {
                    const auto length = header(std::string_view(data).substr(0, head_end),
                                               "content-length");
                    std::size_t n = 0;
                    std::from_chars(length.data(), length.data() + length.size(), n);
                    wanted = head_end + 4 + n;
                }
            }
            if (head_end != std::string::npos && data.size() >= wanted) break;
            boost::system::error_code ec;
            const auto n = co_await detail::read_some_until(
                socket, asio::buffer(chunk.data(), chunk.size()), deadline, ec);
            if (!n || ec) co_return;
            data.append(chunk.data(), *n);
        }
        if (head_end == std::string::npos) co_return;
        const auto line_end = data.find("\r\n");
        const std::string line = data.substr(0, line_end);
        const auto sp1 = line.find(' ');
        const auto sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
        if (sp1 == std::string::npos || sp2 == std::string::npos) co_return;
        const std::string method = line.substr(0, sp1);
        const std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
        HttpFile file;
        {
            std::lock_guard lock(mutex);
            const std::size_t body = data.size() - (head_end + 4);
            requests.push_back(method == "POST"
                                   ? method + " " + path + " (" + std::to_string(body) + " bytes)"
                                   : method + " " + path);
            const auto it = files.find(path);
            if (it != files.end()) {
                file = it->second;
            } else {
                file.status = 404;
                file.content_type = "text/plain";
                const std::string text = "not found\n";
                file.body.assign(text.begin(), text.end());
            }
        }
        std::string head = "HTTP/1.1 " + std::to_string(file.status) + " " + reason(file.status) +
                           "\r\nContent-Type: " + file.content_type +
                           "\r\nContent-Length: " + std::to_string(file.body.size()) +
                           "\r\nConnection: close\r\n";
        if (!file.location.empty()) head += "Location: " + file.location + "\r\n";
        head += "\r\n";
        std::vector<std::uint8_t> out(head.begin(), head.end());
        out.insert(out.end(), file.body.begin(), file.body.end());
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(out),
                                                  asio::as_tuple(asio::use_awaitable));
        (void)n;
        (void)ec;
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
};

HttpFileServer::HttpFileServer(Loopback where) : impl_(std::make_unique<Impl>(where)) {}
HttpFileServer::~HttpFileServer() = default;

void HttpFileServer::set(std::string path, HttpFile file) {
    std::lock_guard lock(impl_->mutex);
    impl_->files[std::move(path)] = std::move(file);
}

unsigned short HttpFileServer::port() const { return impl_->thread.port(); }

std::string HttpFileServer::url(std::string_view path) const {
    const std::string host = impl_->where == Loopback::ipv6 ? "[::1]" : "127.0.0.1";
    return "http://" + host + ":" + std::to_string(port()) + std::string(path);
}

std::vector<std::string> HttpFileServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->requests;
}

}  // namespace tlsprobe::lab
