"""Tables only. Importing this package registers every model on `Base.metadata`."""

from smsgate.models.api_key import ROLES, ApiKey
from smsgate.models.base import Base, UTCDateTime, utcnow
from smsgate.models.brand import Brand, BrandNumber
from smsgate.models.campaign import RECIPIENT_STATUSES, Campaign, CampaignRecipient
from smsgate.models.confirmation import PendingConfirmation
from smsgate.models.keyword import KEYWORD_KINDS, BrandKeyword
from smsgate.models.ledger import GENESIS_HASH, ConsentState, LedgerEntry, LedgerHead
from smsgate.models.messages import InboundMessage, OutboxMessage, StatusEvent
from smsgate.models.privacy import ErasedNumber
from smsgate.models.reconcile import ReconcileWatermark

__all__ = [
    "GENESIS_HASH",
    "KEYWORD_KINDS",
    "RECIPIENT_STATUSES",
    "ROLES",
    "ApiKey",
    "Base",
    "Brand",
    "BrandKeyword",
    "BrandNumber",
    "Campaign",
    "CampaignRecipient",
    "ConsentState",
    "ErasedNumber",
    "InboundMessage",
    "LedgerEntry",
    "LedgerHead",
    "OutboxMessage",
    "PendingConfirmation",
    "ReconcileWatermark",
    "StatusEvent",
    "UTCDateTime",
    "utcnow",
]
