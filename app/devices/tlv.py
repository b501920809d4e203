"""BER-TLV as PIV uses it: one- or two-byte tags, definite lengths (short, 81 xx, 82 xx xx)."""

from __future__ import annotations


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n <= 0xFF:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes(2 if tag > 0xFF else 1, "big")
    return tag_bytes + encode_length(len(value)) + value


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level (tag, value) pairs; ValueError on a truncated or indefinite encoding."""
    items, i = [], 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:  # multi-byte tag
            tag = tag << 8 | data[i]
            i += 1
        if i >= len(data):
            raise ValueError("truncated TLV")
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 3:
                raise ValueError("unsupported TLV length")
            length = int.from_bytes(data[i:i + count], "big")
            i += count
        if i + length > len(data):
            raise ValueError("truncated TLV")
        items.append((tag, data[i:i + length]))
        i += length
    return items


def find(data: bytes, tag: int) -> bytes:
    for found, value in parse(data):
        if found == tag:
            return value
    raise KeyError(f"tag {tag:X} not found")
