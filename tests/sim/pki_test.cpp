#include "itlfleet/sim/pki.hpp"

#include <gtest/gtest.h>

#include "itlfleet/host/key_cache.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace itlfleet::sim {
namespace {

namespace fs = std::filesystem;

pki_options memory_only(std::string seed = "pki_test") {
  pki_options options;
  options.seed = std::move(seed);
  return options;
}

// A fresh directory under the test's TMPDIR, removed at the end of the test.
class temp_dir {
 public:
  explicit temp_dir(const std::string& name) {
    const char* tmp = std::getenv("TMPDIR");
    const fs::path base = tmp && *tmp ? fs::path(tmp) : fs::temp_directory_path();
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    path_ = base / ("itlfleet_" + std::string(info->name()) + "_" + name + "_" +
                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    fs::remove_all(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path());
  return out;
}

// Sets an environment variable for the duration of a test.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~scoped_env() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// --- purposes and names -------------------------------------------------------

TEST(CertPurpose, names_round_trip_case_insensitively) {
  for (cert_purpose p : {cert_purpose::callmanager, cert_purpose::tvs, cert_purpose::capf,
                         cert_purpose::itlrecovery}) {
    auto parsed = parse_purpose(purpose_name(p));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(purpose_name(cert_purpose::callmanager), "CallManager");
  EXPECT_EQ(purpose_name(cert_purpose::itlrecovery), "ITLRecovery");
  auto lower = parse_purpose("callmanager");
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, cert_purpose::callmanager);
  auto upper = parse_purpose("ITLRECOVERY");
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, cert_purpose::itlrecovery);
}

TEST(CertPurpose, unknown_name_gives_an_error_listing_the_choices) {
  auto parsed = parse_purpose("ipsec");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.err().message.find("ipsec"), std::string::npos);
  EXPECT_NE(parsed.err().message.find("CallManager"), std::string::npos);
  EXPECT_FALSE(parse_purpose(""));
}

TEST(CucmCommonName, follows_cucm_naming) {
  const std::string pub = "test10pub.joe2.lab", sub = "test10sub.joe2.lab";
  EXPECT_EQ(cucm_common_name(cert_purpose::callmanager, sub, pub), sub);
  EXPECT_EQ(cucm_common_name(cert_purpose::tvs, sub, pub), sub);
  EXPECT_EQ(cucm_common_name(cert_purpose::itlrecovery, sub, pub), "ITLRECOVERY_" + pub);
  const std::string capf = cucm_common_name(cert_purpose::capf, pub, pub);
  ASSERT_EQ(capf.size(), 5u + 8u);
  EXPECT_EQ(capf.substr(0, 5), "CAPF-");
  EXPECT_EQ(capf.find_first_not_of("0123456789abcdef", 5), std::string::npos);
  EXPECT_NE(cucm_common_name(cert_purpose::capf, sub, pub), capf);
}

TEST(IdentityFactory, name_for_fills_in_the_organisation) {
  pki_options options = memory_only();
  options.org.o = "example";
  identity_factory factory(options);
  const distinguished_name dn = factory.name_for("host.example.com");
  EXPECT_EQ(dn.cucm_string(), "CN=host.example.com;OU=tac;O=example;L=rtp;ST=nc;C=US");
}

// --- identities ----------------------------------------------------------------

TEST(IdentityFactory, same_arguments_give_identical_identity_across_factories) {
  identity_factory a(memory_only()), b(memory_only());
  const identity x = a.make(cert_purpose::callmanager, "cm1.example.com");
  const identity y = b.make(cert_purpose::callmanager, "cm1.example.com");
  EXPECT_EQ(x.cert.der(), y.cert.der());
  EXPECT_EQ(x.key.private_pem(), y.key.private_pem());
}

TEST(IdentityFactory, memoises_identities) {
  identity_factory factory(memory_only());
  const identity x = factory.make(cert_purpose::tvs, "tvs.example.com");
  const identity y = factory.make(cert_purpose::tvs, "tvs.example.com");
  EXPECT_EQ(x.key.get(), y.key.get());  // the same shared OpenSSL object
  EXPECT_EQ(x.cert.get(), y.cert.get());
}

TEST(IdentityFactory, regeneration_changes_key_serial_and_dates) {
  identity_factory factory(memory_only());
  const identity gen0 = factory.make(cert_purpose::callmanager, "cm1.example.com", 0);
  const identity gen1 = factory.make(cert_purpose::callmanager, "cm1.example.com", 1);
  EXPECT_NE(gen0.key.public_pkcs1_der(), gen1.key.public_pkcs1_der());
  EXPECT_NE(gen0.cert.serial(), gen1.cert.serial());
  EXPECT_EQ(gen1.cert.not_after_unix() - gen0.cert.not_after_unix(), 86400);
  EXPECT_EQ(gen0.cert.subject(), gen1.cert.subject());
}

TEST(IdentityFactory, purpose_name_and_seed_all_change_the_key) {
  identity_factory factory(memory_only());
  identity_factory other_seed(memory_only("another seed"));
  const bytes base = factory.make(cert_purpose::callmanager, "n1").key.public_pkcs1_der();
  EXPECT_NE(factory.make(cert_purpose::tvs, "n1").key.public_pkcs1_der(), base);
  EXPECT_NE(factory.make(cert_purpose::callmanager, "n2").key.public_pkcs1_der(), base);
  EXPECT_NE(other_seed.make(cert_purpose::callmanager, "n1").key.public_pkcs1_der(), base);
}

TEST(IdentityFactory, serial_is_16_bytes_positive_without_leading_zero) {
  identity_factory factory(memory_only());
  for (int generation = 0; generation < 8; ++generation) {
    const bytes serial =
        factory.make(cert_purpose::capf, "CAPF-0123abcd", generation).cert.serial();
    ASSERT_EQ(serial.size(), 16u);
    EXPECT_GE(serial[0], 0x10);
    EXPECT_LT(serial[0], 0x80);
  }
}

TEST(IdentityFactory, certificates_have_cucm_sizes_and_validity) {
  identity_factory factory(memory_only());
  const identity cm = factory.make(cert_purpose::callmanager, "test10pub.joemar2.lab");
  EXPECT_EQ(cm.cert.der().size(), 684u);
  EXPECT_EQ(cm.cert.subject(), "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
  EXPECT_EQ(cm.cert.issuer(), cm.cert.subject());
  EXPECT_EQ(cm.cert.not_after_unix(),
            factory.options().epoch_unix + std::int64_t{factory.options().validity_days} * 86400);
  EXPECT_EQ(cm.cert.public_key().public_pkcs1_der(), cm.key.public_pkcs1_der());

  const std::string cn =
      cucm_common_name(cert_purpose::itlrecovery, "test10pub.joe2.lab", "test10pub.joe2.lab");
  const identity recovery = factory.make(cert_purpose::itlrecovery, cn);
  EXPECT_EQ(recovery.cert.der().size(), 692u);
  EXPECT_EQ(recovery.cert.subject(),
            "CN=ITLRECOVERY_test10pub.joe2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
}

TEST(IdentityFactory, key_size_defaults_to_options_and_can_be_overridden) {
  pki_options options = memory_only();
  identity_factory factory(options);
  EXPECT_EQ(factory.make(cert_purpose::tvs, "n1").key.bits(), 1024);
  const identity big = factory.make(cert_purpose::tvs, "n1", 0, 2048);
  EXPECT_EQ(big.key.bits(), 2048);
  EXPECT_EQ(big.cert.public_key().public_pkcs1_der().size(), 270u);

  options.key_bits = 2048;
  identity_factory wide(options);
  EXPECT_EQ(wide.make(cert_purpose::tvs, "n1").cert.der(), big.cert.der());
}

TEST(IdentityFactory, identity_key_signs_what_its_certificate_verifies) {
  identity_factory factory(memory_only());
  const identity id = factory.make(cert_purpose::itlrecovery, "ITLRECOVERY_pub");
  const bytes data = {1, 2, 3};
  EXPECT_TRUE(rsa_verify(id.cert.public_key(), digest_algorithm::sha1, data,
                         rsa_sign(id.key, digest_algorithm::sha1, data)));
}

TEST(IdentityFactory, concurrent_callers_get_the_same_identity) {
  identity_factory factory(memory_only());
  std::vector<bytes> ders(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < ders.size(); ++i) {
    threads.emplace_back(
        [&, i] { ders[i] = factory.make(cert_purpose::tvs, "shared").cert.der(); });
  }
  for (auto& t : threads) t.join();
  for (const bytes& der : ders) EXPECT_EQ(der, ders[0]);
}

// --- disk cache -----------------------------------------------------------------

TEST(IdentityFactory, disk_cache_lets_a_second_factory_load_the_same_key) {
  temp_dir dir("cache");
  pki_options options = memory_only();
  const std::string keys = (dir.path() / "nested" / "keys").string();  // created on demand
  options.cache = std::make_shared<host::directory_key_store>(keys);

  identity first = identity_factory(options).make(cert_purpose::callmanager, "cm.example.com");
  const auto files = files_in(keys);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].extension(), ".pem");
  EXPECT_EQ(files[0].stem().string().size(), 64u);  // sha256 hex

  identity second = identity_factory(options).make(cert_purpose::callmanager, "cm.example.com");
  EXPECT_EQ(second.cert.der(), first.cert.der());
  EXPECT_EQ(second.key.private_pem(), first.key.private_pem());
  // Without the cache the result is the same too: the cache only saves time.
  EXPECT_EQ(
      identity_factory(memory_only()).make(cert_purpose::callmanager, "cm.example.com").cert.der(),
      first.cert.der());
  EXPECT_EQ(files_in(keys).size(), 1u);  // no temp files left behind
}

TEST(IdentityFactory, disk_cache_key_is_used_when_present) {
  // Proof that the file is read: plant another valid key under the same name.
  temp_dir dir("planted");
  pki_options options = memory_only();
  options.cache = std::make_shared<host::directory_key_store>(dir.path().string());
  (void)identity_factory(options).make(cert_purpose::tvs, "tvs.example.com");
  const auto files = files_in(dir.path());
  ASSERT_EQ(files.size(), 1u);
  const identity other = identity_factory(memory_only()).make(cert_purpose::tvs, "other");
  {
    std::ofstream out(files[0], std::ios::trunc);
    out << other.key.private_pem();
  }
  const identity loaded = identity_factory(options).make(cert_purpose::tvs, "tvs.example.com");
  EXPECT_EQ(loaded.key.public_pkcs1_der(), other.key.public_pkcs1_der());
}

TEST(IdentityFactory, corrupt_cache_file_is_silently_regenerated) {
  temp_dir dir("corrupt");
  pki_options options = memory_only();
  options.cache = std::make_shared<host::directory_key_store>(dir.path().string());
  const identity good = identity_factory(options).make(cert_purpose::capf, "CAPF-1234abcd");
  const auto files = files_in(dir.path());
  ASSERT_EQ(files.size(), 1u);
  {
    std::ofstream out(files[0], std::ios::trunc);
    out << "-----BEGIN PRIVATE KEY-----\ntruncated";
  }
  const identity again = identity_factory(options).make(cert_purpose::capf, "CAPF-1234abcd");
  EXPECT_EQ(again.cert.der(), good.cert.der());
  auto reloaded = rsa_key::from_pem([&] {
    std::ifstream in(files[0]);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
  ASSERT_TRUE(reloaded);  // rewritten with the good key
  EXPECT_EQ(reloaded->public_pkcs1_der(), good.key.public_pkcs1_der());
}

TEST(IdentityFactory, unusable_cache_dir_falls_back_to_generation) {
  temp_dir dir("unusable");
  fs::create_directories(dir.path());
  const fs::path file = dir.path() / "a_file";
  std::ofstream(file) << "not a directory";
  pki_options options = memory_only();
  // Cannot be created.
  options.cache = std::make_shared<host::directory_key_store>((file / "keys").string());
  const identity id = identity_factory(options).make(cert_purpose::tvs, "tvs.example.com");
  EXPECT_EQ(id.cert.der(),
            identity_factory(memory_only()).make(cert_purpose::tvs, "tvs.example.com").cert.der());
}

TEST(DefaultKeyCacheDir, prefers_itlfleet_key_cache_then_xdg_then_home) {
  {
    scoped_env a("ITLFLEET_KEY_CACHE", "/x/keys"), b("XDG_CACHE_HOME", "/xdg"),
        c("HOME", "/home/u");
    EXPECT_EQ(host::default_key_cache_dir(), "/x/keys");
  }
  {
    scoped_env a("ITLFLEET_KEY_CACHE", nullptr), b("XDG_CACHE_HOME", "/xdg"), c("HOME", "/home/u");
    EXPECT_EQ(host::default_key_cache_dir(), "/xdg/itlfleet/keys");
  }
  {
    scoped_env a("ITLFLEET_KEY_CACHE", nullptr), b("XDG_CACHE_HOME", nullptr), c("HOME", "/home/u");
    EXPECT_EQ(host::default_key_cache_dir(), "/home/u/.cache/itlfleet/keys");
  }
  {
    scoped_env a("ITLFLEET_KEY_CACHE", nullptr), b("XDG_CACHE_HOME", nullptr), c("HOME", nullptr);
    EXPECT_EQ(host::default_key_cache_dir(), "");
  }
}

}  // namespace
}  // namespace itlfleet::sim
