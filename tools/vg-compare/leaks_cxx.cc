// C++ owners: std::string, std::vector, std::map, multiple inheritance, new[].
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct A { virtual ~A() {} long a = 1; };
struct B { virtual ~B() {} long b = 2; };
struct C : A, B { long c = 3; };
struct D { ~D() {} long d = 4; };

static std::map<int, std::string> names;          // reachable: a global owner
static std::vector<std::string> words;
B *as_b;                                   // an interior pointer into a C
D *arr;                                    // new D[]: points past the count
std::string *str_chars_only;
const char *keep_chars;

// In a function of its own, returned from before exit(): its locals are below the stack
// pointer then, where neither tool looks.
static __attribute__((noinline)) void make_leaks() {
  for (int i = 0; i < 50; i++) names[i] = std::string(40 + i, 'x');
  for (int i = 0; i < 20; i++) words.push_back(std::string(30, 'a' + i));
  auto *lost_map = new std::map<int, std::string>;  // definite + indirect
  for (int i = 0; i < 10; i++) (*lost_map)[i] = std::string(100, 'y');
  lost_map = nullptr;
  auto *lost_vec = new std::vector<int *>;
  for (int i = 0; i < 5; i++) lost_vec->push_back(new int(i));
  lost_vec = nullptr;
  as_b = new C;
  arr = new D[7] + 0;
  str_chars_only = new std::string(64, 'z');
  const char *chars = str_chars_only->c_str();
  keep_chars = chars;   // the chars stay reachable
  str_chars_only = nullptr;                            // the std::string object does not
  std::unique_ptr<int[]> up(new int[10]);
  up.release();                                        // definitely lost
}

int main() {
  make_leaks();
  std::exit(0);
}
