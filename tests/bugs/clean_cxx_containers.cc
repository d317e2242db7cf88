// expect-clean
/* Clean: the standard library's containers churning (vector, string, map,
   unordered_map, list, deque), exceptions thrown and caught, and threads each doing
   the same.  Nothing may be reported. */
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

static unsigned long work(int seed) {
  std::map<std::string, std::vector<int>> m;
  std::unordered_map<int, std::string> u;
  std::list<std::string> l;
  std::deque<long> d;
  unsigned long h = 0;
  for (int i = 0; i < 3000; i++) {
    std::string k = "key" + std::to_string((i * 7919 + seed) % 331);
    m[k].push_back(i);
    u[i % 97] += k.substr(0, 4);
    l.push_back(k + k);
    if (l.size() > 50) l.pop_front();
    d.push_back(i);
    if (d.size() > 100) d.pop_front();
    if (i % 500 == 0) {
      try {
        throw std::runtime_error("thrown " + k);
      } catch (const std::exception &e) {
        h += std::string(e.what()).size();
      }
    }
  }
  for (auto &kv : m) h = h * 31 + kv.second.size();
  for (auto &kv : u) h += kv.second.size();
  return h;
}

int main() {
  unsigned long total = work(0);
  std::vector<std::thread> ts;
  std::vector<unsigned long> out(4);
  for (int t = 0; t < 4; t++) ts.emplace_back([t, &out] { out[t] = work(t + 1); });
  for (auto &t : ts) t.join();
  for (unsigned long v : out) total += v;
  std::printf("%lu\n", total);
  return 0;
}
