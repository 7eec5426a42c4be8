// Building + signing and verifying an ITL, next to the bare OpenSSL
// operations they are made of.

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include "bench_fixture.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::bench {
namespace {

void BM_Baseline_OpenSSLSign(benchmark::State& state) {
  const fixture& f = seed_itl();
  const bytes data = sim::signing_preimage(f.itl);
  EVP_PKEY* key = f.callmanager.key.get();
  std::vector<unsigned char> sig(256);
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = sig.size();
    EVP_DigestSignInit(ctx, nullptr, EVP_sha1(), nullptr, key);
    EVP_DigestSign(ctx, sig.data(), &len, data.data(), data.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(sig.data());
  }
}
BENCHMARK(BM_Baseline_OpenSSLSign);

void BM_Build_SignTrustList(benchmark::State& state) {
  const fixture& f = seed_itl();
  sim::build_options b;
  b.timestamp = 1393439067;
  for (auto _ : state) {
    auto itl = sim::build_trust_list(f.entries, f.callmanager, b);
    benchmark::DoNotOptimize(itl);
  }
}
BENCHMARK(BM_Build_SignTrustList);

void BM_Baseline_OpenSSLVerify(benchmark::State& state) {
  const fixture& f = seed_itl();
  const bytes data = sim::signing_preimage(f.itl);
  const bytes& sig = f.itl.header.signature;
  EVP_PKEY* key = f.callmanager.key.get();
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha1(), nullptr, key);
    int ok = EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Baseline_OpenSSLVerify);

// What a phone does with a new ITL: find the signer in its installed ITL,
// read the key from the certificate, verify.
void BM_Verify_TrustList(benchmark::State& state) {
  const fixture& f = seed_itl();
  for (auto _ : state) {
    auto v = sim::verify_with(f.itl, f.itl);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_Verify_TrustList);

// The same starting from raw bytes, as a phone receives them.
void BM_ParseAndVerify_TrustList(benchmark::State& state) {
  const fixture& f = seed_itl();
  for (auto _ : state) {
    auto parsed = sim::parse_trust_list(f.raw);
    auto v = sim::verify_with(*parsed, f.itl);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ParseAndVerify_TrustList);

}  // namespace
}  // namespace itlfleet::bench
