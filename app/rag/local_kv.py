"""Where the local engine keeps its keys and values while it decodes many sequences at once.

One row per sequence. Every row writes its next token at the same column, so all rows end at
the same column and a shorter row's padding lies on its left; a mask of valid columns says which
keys each row sees, and a row's positions count only its valid columns. That is what makes a
request decoded beside others give the same tokens as alone.

Two layouts, one interface:
- GrowingKV: tensors sized to the rows and columns in use (concatenated each step, rows dropped
  by index, leading columns no row needs trimmed): least memory and work, any device.
- FixedKV: buffers allocated once for `slots` rows and `columns` columns and written in place:
  the shapes of a decode step never change, so torch.compile can capture it in CUDA graphs.

The model reads and writes them through `cache()`, a transformers Cache whose layers write here;
the attention mask goes in ready-made (4D), so transformers builds none of its own.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer


class _Layer(DynamicLayer):
    """One model layer's view of a layout: its update writes there and returns all the keys."""

    def __init__(self, kv: GrowingKV | FixedKV, index: int) -> None:
        super().__init__()
        self.kv, self.index, self.is_initialized = kv, index, True

    def update(self, key_states: Any, value_states: Any, *args: Any, **kwargs: Any) -> Any:
        return self.kv.write(self.index, key_states, value_states)

    def get_seq_length(self, *args: Any) -> int:
        return self.kv.columns


def _cache(kv: GrowingKV | FixedKV, layers: int) -> DynamicCache:
    cache = DynamicCache()
    cache.layers = [_Layer(kv, i) for i in range(layers)]
    return cache


def _mask(valid: torch.Tensor, start: int, queries: int, keys: int, dtype: torch.dtype) -> Any:
    """The additive 4D mask of `queries` new tokens at columns start.. over `keys` columns: a
    query sees the valid columns up to its own, and itself (a padding query then sees something,
    so no row of the softmax is empty)."""
    column = torch.arange(keys, device=valid.device)
    at = start + torch.arange(queries, device=valid.device)
    sees = valid[:, None, :keys] & (column[None, None, :] <= at[None, :, None])
    sees |= column[None, None, :] == at[None, :, None]
    zero = torch.zeros((), dtype=dtype, device=valid.device)
    return torch.where(sees, zero, torch.finfo(dtype).min)[:, None]


def _positions(valid: torch.Tensor, start: int, queries: int) -> torch.Tensor:
    """Each new token's position within its own row: the valid columns before it."""
    counted = valid[:, : start + queries].long().cumsum(1) - 1
    return counted[:, start:].clamp(min=0)


class GrowingKV:
    """Keys and values sized to the rows and columns in use."""

    fixed = False

    def __init__(self, layers: int, dtype: torch.dtype, device: torch.device) -> None:
        self.layers, self.dtype = layers, dtype
        self.keys: list[Any] = [None] * layers
        self.values: list[Any] = [None] * layers
        self.valid = torch.zeros((0, 0), dtype=torch.bool, device=device)
        self.columns = 0

    @property
    def rows(self) -> int:
        """The rows a step runs on."""
        return int(self.valid.shape[0])

    def cache(self) -> DynamicCache:
        """The transformers Cache the model writes through."""
        return _cache(self, self.layers)

    def open(self, new_valid: torch.Tensor) -> tuple[Any, torch.Tensor]:
        """Make room for new columns (rows x q, which of them are real tokens); their attention
        mask and positions."""
        queries = new_valid.shape[1]
        if self.rows == 0:
            self.valid = new_valid.clone()
        else:
            self.valid = torch.cat([self.valid, new_valid], dim=1)
        keys = self.columns + queries
        mask = _mask(self.valid, self.columns, queries, keys, self.dtype)
        return mask, _positions(self.valid, self.columns, queries)

    def write(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[Any, Any]:
        """Append a layer's new keys and values; all of that layer's keys and values."""
        if self.keys[layer] is None:
            self.keys[layer], self.values[layer] = keys, values
        else:
            self.keys[layer] = torch.cat([self.keys[layer], keys], dim=2)
            self.values[layer] = torch.cat([self.values[layer], values], dim=2)
        return self.keys[layer], self.values[layer]

    def close(self, queries: int) -> None:
        """The step that wrote `queries` columns is done."""
        self.columns += queries

    def remove(self, gone: list[int], owners: list[Any]) -> list[Any]:
        """Drop rows; the owners of the rows left, in order."""
        dropped = set(gone)
        keep = [i for i in range(self.rows) if i not in dropped]
        index = torch.tensor(keep, dtype=torch.long, device=self.valid.device)
        self.valid = self.valid.index_select(0, index)
        self.keys = [None if k is None else k.index_select(0, index) for k in self.keys]
        self.values = [None if v is None else v.index_select(0, index) for v in self.values]
        self._trim()
        return [owners[i] for i in keep]

    def _trim(self) -> None:
        """Leading columns that no row sees are dropped: they would only cost attention."""
        if self.rows == 0:
            self.keys, self.values = [None] * self.layers, [None] * self.layers
            self.valid = self.valid[:, :0]
            self.columns = 0
            return
        lead = int(self.valid.any(0).long().argmax())
        if lead:
            self.valid = self.valid[:, lead:]
            self.keys = [k[:, :, lead:] for k in self.keys]
            self.values = [v[:, :, lead:] for v in self.values]
            self.columns -= lead

    def free(self) -> int:
        """Rows that can still be admitted: any number (a cap is the engine's)."""
        return 1 << 30

    def admit(self, group: GrowingKV, owners: list[Any], new: list[Any]) -> list[Any]:
        """Take a prefilled group's rows, right-aligned with these; the owners after."""
        if self.rows == 0:
            self.keys, self.values, self.valid = group.keys, group.values, group.valid
            self.columns = group.columns
            return list(new)
        wide = max(self.columns, group.columns)
        mine, theirs = _pad_left(self, wide), _pad_left(group, wide)
        self.valid = torch.cat([mine[2], theirs[2]], dim=0)
        self.keys = [torch.cat(pair, dim=0) for pair in zip(mine[0], theirs[0], strict=True)]
        self.values = [torch.cat(pair, dim=0) for pair in zip(mine[1], theirs[1], strict=True)]
        self.columns = wide
        return [*owners, *new]


def _pad_left(kv: GrowingKV, wide: int) -> tuple[list[Any], list[Any], torch.Tensor]:
    """A layout's keys, values and valid columns, widened on the left to `wide` columns."""
    extra = wide - kv.columns
    if not extra:
        return kv.keys, kv.values, kv.valid

    def pad(t: torch.Tensor) -> torch.Tensor:
        zeros = t.new_zeros((*t.shape[:2], extra, t.shape[3]))
        return torch.cat([zeros, t], dim=2)

    valid = torch.cat([kv.valid.new_zeros((kv.rows, extra)), kv.valid], dim=1)
    return [pad(k) for k in kv.keys], [pad(v) for v in kv.values], valid


class FixedKV:
    """Keys and values in buffers of `slots` rows and `columns` columns, written in place."""

    fixed = True

    def __init__(self, config: Any, slots: int, columns: int, dtype: Any, device: Any) -> None:
        text = config.get_text_config() if hasattr(config, "get_text_config") else config
        heads = getattr(text, "num_key_value_heads", None) or text.num_attention_heads
        dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
        self.layers, self.dtype, self.capacity = text.num_hidden_layers, dtype, columns
        shape = (slots, heads, columns, dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(self.layers)]
        self.values = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(self.layers)]
        if torch.device(device).type == "cuda":
            for buffer in (*self.keys, *self.values):
                # Same addresses for every step: what lets CUDA graphs replay the writes.
                torch._dynamo.mark_static_address(buffer)
        self.valid = torch.zeros((slots, columns), dtype=torch.bool, device=device)
        self.at = torch.zeros(1, dtype=torch.long, device=device)  # the column a step writes
        self.columns = 0
        self._cache = _cache(self, self.layers)

    @property
    def rows(self) -> int:
        """The rows a step runs on: every slot, taken or not (the shapes stay the same)."""
        return int(self.valid.shape[0])

    def cache(self) -> DynamicCache:
        """The transformers Cache the model writes through (one object: compiled code keeps it)."""
        return self._cache

    def open(self, new_valid: torch.Tensor) -> tuple[Any, torch.Tensor]:
        """Room for one new column (shifting left what no row sees, if full); its mask over all
        the columns and its positions."""
        if new_valid.shape[1] != 1:
            raise ValueError("FixedKV decodes one token a step; prefill goes through GrowingKV")
        if self.columns == self.capacity:
            self._shift(-int(self.valid.any(0).long().argmax()))
        self.valid[:, self.columns] = new_valid[:, 0]
        self.at.fill_(self.columns)
        mask = _mask(self.valid, self.columns, 1, self.capacity, self.dtype)
        return mask, _positions(self.valid, self.columns, 1)

    def write(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[Any, Any]:
        """Write a layer's new keys and values at the step's column; the whole buffers."""
        self.keys[layer].index_copy_(2, self.at, keys)
        self.values[layer].index_copy_(2, self.at, values)
        return self.keys[layer], self.values[layer]

    def close(self, queries: int) -> None:
        """The step that wrote `queries` columns is done."""
        self.columns += queries

    def remove(self, gone: list[int], owners: list[Any]) -> list[Any]:
        """Free slots; the owners, None where a slot is free."""
        dropped = set(gone)
        for i in dropped:
            self.valid[i] = False
        left = [None if i in dropped else o for i, o in enumerate(owners)]
        if not self._live(left):
            self.valid.zero_()
            self.columns = 0
        return left

    def free(self) -> int:
        """Slots free for new rows."""
        return int((~self.valid.any(1)).sum())

    def admit(self, group: GrowingKV, owners: list[Any], new: list[Any]) -> list[Any]:
        """Copy a prefilled group into free slots, right-aligned with the rows there."""
        taken = list(owners) + [None] * (self.rows - len(owners))
        slots = [i for i, o in enumerate(taken) if o is None][: len(new)]
        if len(slots) < len(new):
            raise RuntimeError(f"{len(new)} rows for {len(slots)} free slots")
        if not self._live(taken):
            self.columns = group.columns  # nothing to move
        elif group.columns > self.columns:
            self._shift(group.columns - self.columns)
        start = self.columns - group.columns
        index = torch.tensor(slots, dtype=torch.long, device=self.valid.device)
        for layer in range(self.layers):
            self.keys[layer][index, :, start : self.columns] = group.keys[layer]
            self.values[layer][index, :, start : self.columns] = group.values[layer]
        self.valid[index] = False
        self.valid[index, start : self.columns] = group.valid
        for slot, owner in zip(slots, new, strict=True):
            taken[slot] = owner
        return taken

    @staticmethod
    def _live(owners: list[Any]) -> bool:
        return any(o is not None for o in owners)

    def _shift(self, by: int) -> None:
        """Move every row's columns right (by > 0: room on the left for a longer prompt) or left
        (by < 0: drop leading columns no row sees), in place."""
        if by > 0:
            used = slice(0, self.columns)
            moved = slice(by, self.columns + by)
        else:
            if by == 0:
                raise RuntimeError("the KV buffers are full with rows still generating")
            used = slice(-by, self.columns)
            moved = slice(0, self.columns + by)
        for buffer in (*self.keys, *self.values):
            buffer[:, :, moved] = buffer[:, :, used].clone()
        self.valid[:, moved] = self.valid[:, used].clone()
        if by > 0:
            self.valid[:, :by] = False
        else:
            self.valid[:, moved.stop :] = False
        self.columns += by
