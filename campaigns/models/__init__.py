from campaigns.models.care import CareKind, CareRule

__all__ = ["CareKind", "CareRule"]
