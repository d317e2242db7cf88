/* depot.h — the stack depot: every stack captured (stack.c) stored once, in append-only
 * mmap'd chunks, named by a 32-bit id (0: none).  Internal to stack.c and depot.c; the
 * rest of the library sees ids and hg_stack_frames (stack.h).
 *
 * A record's header word is hash << 32 | flags | depth: the upper 32 bits of the
 * frames' hash (the bucket and recent-table index come from them), HG_DEPOT_EXACT_FIRST
 * when the first frame is the address of the instruction itself (a faulting access)
 * rather than a return address, and the depth in the low 16 bits.  stack.c makes the
 * header (depot_put) and depot.c stores and compares it whole. */
#ifndef HG_DEPOT_H
#define HG_DEPOT_H

#include "stack.h"
#include "unload.h"

#define HG_DEPOT_EXACT_FIRST ((uintptr_t)1 << 31)
#define HG_DEPOT_DEPTH_MASK  ((uintptr_t)0xffff)

/* One of a thread's last stacks (stack.c's struct near, in front of the depot's shared
 * tables): hash is the frames' 64-bit hash with the header mixed in (their count and
 * flags too).  It is matched by that hash alone, without reading the record, which is
 * often out of the cache: a different stack found there would have to share those 64
 * bits.  id 0: empty (dlclose empties them all, stack.c). */
struct near_stack { uint64_t hash; hg_stack_t id; };

/* The id of the stack frames[0 .. n-1] whose header is `header` (hash: its upper half)
 * and whose full hash is `full`, stored if new; 0 if the depot is out of memory.  ns:
 * the calling thread's entry for it, written with the answer, or NULL (a signal
 * handler's capture, or a thread without a block of its own).  Takes no lock unless the
 * stack is new (then the depot lock).  The slow path of stack.c's inline depot_put,
 * after the thread's own entry missed. */
hg_stack_t hg_depot_put_slow(struct near_stack *ns, const uintptr_t *frames, unsigned n,
                             uint32_t hash, uintptr_t header, uint64_t full);

/* Sampled guard mode's smaller tables: called at its start, before any stack is stored. */
void hg_depot_small(void);

/* dlclose unloaded object k (o): the depot's frames in it are rewritten to unload.h's
 * encoded form.  The caller then forgets the threads' last stacks (struct near_stack:
 * matched by hash alone, they would name the old records). */
void hg_depot_forget_object(unsigned k, const struct hg_unloaded *o);

/* Whether address a is in the depot's chunks or bucket heads. */
bool hg_depot_holds(uintptr_t a);

/* The depot lock across fork (stack.c's hg_stack_fork_* call these). */
void hg_depot_fork_prepare(void);
void hg_depot_fork_parent(void);
void hg_depot_fork_child(void);

#endif
