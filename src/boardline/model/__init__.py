"""Core value types shared by every layer: errors that name their place, events, decisions."""
