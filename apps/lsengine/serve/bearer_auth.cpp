#include "bearer_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "lse/core/errors.hpp"

namespace lse::service {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string ReadTokenFile(const std::string& path, std::string* warning) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("--token-file " + path + ": cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    std::string token = text.str();
    while (!token.empty() && IsSpace(token.back())) token.pop_back();
    std::size_t first = 0;
    while (first < token.size() && IsSpace(token[first])) ++first;
    token.erase(0, first);
    if (token.empty()) throw UsageError("--token-file " + path + ": the file is empty (write the API token into it)");
    for (const char c : token) {
        if (std::isgraph(static_cast<unsigned char>(c)) == 0) {
            throw UsageError("--token-file " + path +
                             ": the token holds a space or a control character (one token, on one line)");
        }
    }
    struct stat st{};
    if (warning != nullptr && stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        *warning = "--token-file " + path + " is readable by other users (chmod 600 it)";
    }
    return token;
}

bool BearerTokenMatches(std::string_view authorization, std::string_view token) noexcept {
    constexpr std::string_view kScheme = "bearer ";
    if (authorization.size() <= kScheme.size() || token.empty()) return false;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
    }
    std::string_view given = authorization.substr(kScheme.size());
    while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
    unsigned char a[SHA256_DIGEST_LENGTH];
    unsigned char b[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

}  // namespace lse::service
