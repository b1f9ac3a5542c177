"""The workspace JSON format: export a workspace to a document and import one back."""

from .schema import FORMAT, VERSION, TransferError
from .service import export_workspace, import_workspace, stream_workspace

__all__ = ["FORMAT", "VERSION", "TransferError", "export_workspace", "import_workspace", "stream_workspace"]
