"""`LookupKernels`: how `IndexLookup` maps tokens to indices and back.

Integer vocabularies are looked up on the inputs' device with a sorted-key
`searchsorted` (no host sync, so the lookup works inside models on any
device); strings, which live on the host, through a Python dict. Out-of-
vocabulary tokens go to the single OOV index, or are spread over several by
`floormod` (integers) or FarmHash/SipHash (strings), as Keras does.
"""

import numpy as np
import torch

from ember.layers.preprocessing import _hashing_functions as hashing

MISSING = -2  # the host-side "not in the vocabulary" marker


class LookupKernels:
    """The lookup methods of `IndexLookup` (a mixin; see there)."""

    def _lookup_strings(self, values: np.ndarray) -> np.ndarray:
        flat = values.reshape(-1).tolist()
        get = self._index.get
        found = np.fromiter((get(t, MISSING) for t in flat), np.int64, len(flat))
        found = found.reshape(values.shape)
        if self.mask_token is not None:
            found = np.where(values == self.mask_token, self._mask_index(), found)
        missing = found == MISSING
        if missing.any():
            found[missing] = self._oov_indices_host(values[missing])
        return found

    def _oov_indices_host(self, values):
        if self.num_oov_indices == 0:
            raise ValueError(
                "When `num_oov_indices=0` all inputs should be in the vocabulary; "
                f"found OOV values {values.reshape(-1)[:10].tolist()}. Consider "
                "setting `num_oov_indices=1`."
            )
        start = self._oov_start_index()
        if self.num_oov_indices == 1:
            return start
        data = hashing.as_hash_input(values)
        if self.salt is not None:
            bins = hashing.to_hash_bucket_strong(data, self.num_oov_indices, self.salt)
        else:
            bins = hashing.to_hash_bucket_fast(data, self.num_oov_indices)
        return bins + start

    def _mask_index(self):
        # In the encoding modes a masked token lands outside every bin.
        return 0 if self.output_mode == "int" else np.iinfo(np.int64).max

    def _lookup_integers(self, inputs: torch.Tensor) -> torch.Tensor:
        if inputs.is_floating_point():
            inputs = inputs.long()
        keys, positions = self._integer_table(inputs.device)
        if self.invert:
            return self._invert_integers(inputs)
        if keys.numel():
            where = torch.searchsorted(keys, inputs.contiguous()).clamp_(
                max=keys.numel() - 1
            )
            found = keys[where] == inputs
            lookups = torch.where(found, positions[where], -1)
        else:
            found = torch.zeros_like(inputs, dtype=torch.bool)
            lookups = torch.full_like(inputs, -1, dtype=torch.int64)
        if self.mask_token is not None:
            masked = inputs == self.mask_token
            lookups = torch.where(masked, self._mask_index(), lookups)
            found = found | masked
        start = self._oov_start_index()
        if self.num_oov_indices == 0:
            if inputs.device.type == "cpu":
                if not bool(found.all()):
                    raise ValueError(
                        "When `num_oov_indices=0` all inputs should be in the "
                        "vocabulary; found OOV values "
                        f"{inputs[~found][:10].tolist()}. Consider setting "
                        "`num_oov_indices=1`."
                    )
            else:
                torch._assert_async(found.all(), "OOV values with num_oov_indices=0")
            return lookups
        if self.num_oov_indices == 1:
            oov = start
        elif self.oov_method == "floormod":
            oov = torch.remainder(inputs, self.num_oov_indices) + start
        else:
            host = inputs.detach().cpu().numpy()
            oov = torch.from_numpy(
                np.asarray(self._oov_indices_host(host)).reshape(host.shape)
            ).to(inputs.device)
        return torch.where(found, lookups, oov)

    def _integer_table(self, device):
        table = self._device_tables.get(device)
        if table is None:
            tokens = torch.tensor(self._tokens, dtype=torch.int64)
            keys, order = torch.sort(tokens)
            positions = order + self._token_start_index()
            table = (keys.to(device), positions.to(device))
            self._device_tables[device] = table
        return table

    def _invert_integers(self, indices):
        vocab = torch.tensor(self.get_vocabulary(), dtype=torch.int64)
        vocab = vocab.to(indices.device)
        valid = (indices >= 0) & (indices < vocab.numel())
        safe = torch.where(valid, indices, torch.zeros_like(indices)).long()
        out = torch.where(valid, vocab[safe], self.oov_token)
        if self.mask_token is not None:
            out = torch.where(indices == 0, self.mask_token, out)
        return out

    def _invert_to_strings(self, inputs):
        indices = np.asarray(
            inputs.detach().cpu().numpy()
            if isinstance(inputs, torch.Tensor)
            else inputs
        ).astype(np.int64)
        vocab = np.array(self.get_vocabulary() + [self.oov_token], dtype=object)
        valid = (indices >= 0) & (indices < len(vocab) - 1)
        out = vocab[np.where(valid, indices, len(vocab) - 1)]
        if self.mask_token is not None:
            out = np.where(indices == 0, self.mask_token, out).astype(object)
        return out
