/* A leak from a function whose mangled name is 675 bytes long (ten long type names in
   a template's arguments): longer than a formatted XML line of 512 bytes. */
#include <cstdlib>

struct Struct_00_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_01_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_02_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_03_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_04_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_05_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_06_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_07_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_08_with_a_name_long_enough_to_make_the_mangled_name_long {};
struct Struct_09_with_a_name_long_enough_to_make_the_mangled_name_long {};

template <class... T> __attribute__((noinline)) void *make_block(T *...) { return std::malloc(48); }

int main() {
  make_block((Struct_00_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_01_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_02_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_03_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_04_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_05_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_06_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_07_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_08_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr,
             (Struct_09_with_a_name_long_enough_to_make_the_mangled_name_long *)nullptr);
  return 0;
}
