/*===- runtime.h - The Spotlight runtime C API ------------------*- C -*-===*\
|*                                                                            *|
|* Loads a compiled decode artifact (spotlight-compile -o x.spt) and runs     *|
|* decode steps over a paged KV cache (keys, values and key codes in pages   *|
|* of page_size tokens, SEMANTICS.md "Paged KV layout"), in two forms:       *|
|*  - spt_decoder: the serving engines' path. The caller owns the page pools,*|
|*    the block table and the lengths, and passes a whole batch per call.    *|
|*  - spt_cache: the runtime owns the pools and each sequence's pages        *|
|*    (append, fork a shared prefix, reset) and builds the tables itself.    *|
|* Every call returns a status; on failure spt_last_error() describes it and  *|
|* nothing was changed. Distinct decoders and caches may be used from        *|
|* different threads. No MLIR or LLVM is needed at run time.                 *|
\*===----------------------------------------------------------------------===*/

#ifndef SPOTLIGHT_RUNTIME_H
#define SPOTLIGHT_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum spt_status {
  SPT_OK = 0,
  SPT_ERROR_INVALID_ARGUMENT = 1, /* null pointer, bad sequence index, ... */
  SPT_ERROR_SHAPE = 2,            /* a tensor's rank or shape is wrong */
  SPT_ERROR_TYPE = 3,             /* a tensor's element type is wrong */
  SPT_ERROR_CAPACITY = 4,         /* the cache cannot hold the tokens */
  SPT_ERROR_ARTIFACT = 5,         /* missing, unreadable or bad artifact */
  SPT_ERROR_NO_DEVICE = 6,        /* no CUDA driver or device */
  SPT_ERROR_OUT_OF_MEMORY = 7,
  SPT_ERROR_DEVICE = 8,           /* a CUDA call failed (the message names it) */
} spt_status;

typedef enum spt_dtype {
  SPT_F32 = 0,
  SPT_F16 = 1,
  SPT_BF16 = 2, /* stored as uint16 */
  SPT_I32 = 3,
} spt_dtype;

typedef enum spt_device { SPT_DEVICE_CPU = 0, SPT_DEVICE_CUDA = 1 } spt_device;

/* A dense, row-major tensor of shape[0] x ... x shape[rank-1] elements. */
typedef struct spt_tensor {
  void *data;
  spt_dtype dtype;
  int32_t rank;
  int64_t shape[6];
} spt_tensor;

/* What an artifact was compiled for. */
typedef struct spt_geometry {
  int64_t query_heads, kv_heads, head_dim, code_heads;
  spt_dtype dtype;        /* q, K, V and the output */
  spt_dtype weight_dtype; /* hash weights */
  int32_t head_mode;      /* 0: a token set per KV head, 1: per query head */
  int64_t sink, window;
  int64_t budget_count;   /* > 0: fixed count; 0: budget_fraction */
  double budget_fraction;
  int64_t min_budget;
  int64_t max_tokens;      /* the largest cache capacity it supports */
  int64_t selection_sets;  /* S: KV heads (group) or query heads (head) */
  int64_t selection_slots; /* M: index slots per set */
  spt_device target;       /* the device its code runs on */
  int64_t page_size;       /* token slots per page of the pools */
} spt_geometry;

/* What a device is. */
typedef struct spt_device_info {
  char name[256];
  int32_t compute_capability; /* CUDA: 10 * major + minor (90: sm_90); CPU: 0 */
  int64_t memory_bytes;       /* CUDA: the GPU's memory; CPU: 0 */
} spt_device_info;

/* Describes `device`: SPT_ERROR_NO_DEVICE when it cannot be used (for CUDA:
 * no driver or no GPU), so a tool can ask before compiling anything. */
spt_status spt_device_query(spt_device device, spt_device_info *info);

typedef struct spt_artifact spt_artifact;
typedef struct spt_cache spt_cache;

/* The message of this thread's last failed call ("" if none). */
const char *spt_last_error(void);
/* A short name for a status ("SPT_ERROR_SHAPE", ...). */
const char *spt_status_name(spt_status status);

spt_status spt_artifact_load(const char *path, spt_artifact **artifact);
spt_status spt_artifact_geometry(const spt_artifact *artifact,
                                 spt_geometry *geometry);
void spt_artifact_free(spt_artifact *artifact);

/*===-------------------------------------------------------------------===*\
|* The engines' path: pools, block tables and lengths the caller owns.   *|
|*                                                                       *|
|* Pools: k_cache, v_cache [P, page_size, KH, D] (dtype) and code_cache  *|
|* [P, page_size, KH, C, D/32] (i32; C = QH/KH with one hash per query   *|
|* head, else 1). block_table [B, max_pages] i32: token t of sequence b  *|
|* is slot t % page_size of page block_table[b, t / page_size].          *|
|* seq_lens [B] i32. On SPT_DEVICE_CPU every pointer is host memory and  *|
|* every table entry is checked (page in [0, P), length within its pages *|
|* and max_tokens, slots in [-1, P * page_size) and distinct). On        *|
|* SPT_DEVICE_CUDA every pointer is device memory, the work is enqueued  *|
|* on the decoder's stream, and the tables, which live on the GPU, are   *|
|* trusted as vLLM's kernels trust theirs: only shapes and types are     *|
|* checked.                                                              *|
\*===-------------------------------------------------------------------===*/
typedef struct spt_decoder spt_decoder;

/* A decoder runs `artifact` on `device` with the hash weights w1 [CH,D,D],
 * b1 [CH,D], w2 [CH,D,D], b2 [CH,D] (weight_dtype, host memory, copied). The
 * artifact must outlive it. */
spt_status spt_decoder_create(const spt_artifact *artifact, spt_device device,
                              const spt_tensor *w1, const spt_tensor *b1,
                              const spt_tensor *w2, const spt_tensor *b2,
                              spt_decoder **decoder);
void spt_decoder_free(spt_decoder *decoder);
/* CUDA: the stream (a CUstream; NULL for the default stream) later calls
 * enqueue on, e.g. torch.cuda.current_stream(). */
spt_status spt_decoder_set_stream(spt_decoder *decoder, void *stream);

/* Stores new tokens: keys, values [T, KH, D] (dtype) at slot_mapping [T]
 * (i32, -1: skip the token), hashing the keys into their code slots. */
spt_status spt_paged_write(spt_decoder *decoder, const spt_tensor *keys,
                           const spt_tensor *values,
                           const spt_tensor *slot_mapping,
                           spt_tensor *k_cache, spt_tensor *v_cache,
                           spt_tensor *code_cache);
/* One sparse decode step for the batch: query [B, QH, D] -> out [B, QH, D];
 * `indices` (may be NULL) receives the selected logical positions
 * [B, S, M] (i32, ascending, -1 padded). */
spt_status spt_paged_decode(spt_decoder *decoder, const spt_tensor *query,
                            const spt_tensor *k_cache,
                            const spt_tensor *v_cache,
                            const spt_tensor *code_cache,
                            const spt_tensor *block_table,
                            const spt_tensor *seq_lens, spt_tensor *out,
                            spt_tensor *indices);
/* Retrieval only (SGLang's retrieve_topk): the indices of spt_paged_decode. */
spt_status spt_paged_select(spt_decoder *decoder, const spt_tensor *query,
                            const spt_tensor *code_cache,
                            const spt_tensor *block_table,
                            const spt_tensor *seq_lens, spt_tensor *indices);
/* The dense baseline over every token of each sequence. */
spt_status spt_paged_decode_dense(spt_decoder *decoder,
                                  const spt_tensor *query,
                                  const spt_tensor *k_cache,
                                  const spt_tensor *v_cache,
                                  const spt_tensor *block_table,
                                  const spt_tensor *seq_lens, spt_tensor *out);
/* The device time of the decoder's last successful call in milliseconds
 * (CPU: wall clock of the whole step; CUDA: 0, as calls only enqueue). */
spt_status spt_decoder_last_step_time(const spt_decoder *decoder,
                                      double *milliseconds);

/*===-------------------------------------------------------------------===*\
|* A cache the runtime owns, over the same paged step.                   *|
\*===-------------------------------------------------------------------===*/

/* A cache for `batch` sequences on `device`: SPT_DEVICE_CPU runs artifacts
 * compiled with --target=cpu, SPT_DEVICE_CUDA those compiled with
 * --target=cuda (the driver is loaded with dlopen; without it, or without a
 * GPU, SPT_ERROR_NO_DEVICE). Each sequence holds up to `capacity` tokens. The
 * hash weights w1 [CH,D,D], b1 [CH,D], w2 [CH,D,D], b2 [CH,D] (weight_dtype) are
 * copied. The artifact must outlive the cache. */
spt_status spt_cache_create(const spt_artifact *artifact, spt_device device,
                            int64_t batch, int64_t capacity,
                            const spt_tensor *w1, const spt_tensor *b1,
                            const spt_tensor *w2, const spt_tensor *b2,
                            spt_cache **cache);
void spt_cache_free(spt_cache *cache);

/* Appends n tokens to `sequence`: keys and values [KH, n, D] (dtype). Their
 * key codes are computed and stored; pages come from the cache's pool. All
 * or nothing. */
spt_status spt_cache_append(spt_cache *cache, int64_t sequence,
                            const spt_tensor *keys, const spt_tensor *values);
spt_status spt_cache_length(const spt_cache *cache, int64_t sequence,
                            int64_t *length);
/* Empties `sequence`; its pages return to the pool (shared ones when no
 * other sequence holds them). */
spt_status spt_cache_reset(spt_cache *cache, int64_t sequence);
/* Makes the empty sequence `target` a copy of `source` that shares its full
 * pages (a common prompt prefix); only a partial last page is copied. The
 * two then grow independently. */
spt_status spt_cache_fork(spt_cache *cache, int64_t source, int64_t target);
/* Copies the stored key codes of `sequence` into `codes` [KH, n, C, D/32]
 * (i32), n its length and C = QH/KH (one hash per query head) or 1. */
spt_status spt_cache_read_codes(const spt_cache *cache, int64_t sequence,
                                spt_tensor *codes);

/* One sparse decode step for every sequence: query [B,QH,D] -> out
 * [B,QH,D]. `indices` (may be NULL) receives the selected positions
 * [B,S,M] (i32, ascending, -1 padded). */
spt_status spt_decode(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *out, spt_tensor *indices);
/* Retrieval only: hash the query and select the tokens (the Hamming scan
 * and the top-k of spt_decode, without the attention). */
spt_status spt_select(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *indices);
/* The dense baseline: attention over every cached token. */
spt_status spt_decode_dense(spt_cache *cache, const spt_tensor *query,
                            spt_tensor *out);

/* The time the device spent on the cache's last successful spt_decode,
 * spt_select, spt_decode_dense or spt_cache_append, in milliseconds:
 * measured with CUDA events around the kernels on a CUDA cache (without
 * the copies of the query and the results), wall-clock on the CPU. */
spt_status spt_cache_last_step_time(const spt_cache *cache,
                                    double *milliseconds);

#ifdef __cplusplus
}
#endif

#endif /* SPOTLIGHT_RUNTIME_H */
