"""Dossier statuses: the national codes exchanged with the National Public Service Portal."""

from __future__ import annotations

from enum import IntEnum

from backend.lib.i18n import N_


class Status(IntEnum):
    DRAFT = 0  # internal: not yet submitted, not sent to the national portal
    NEW = 1
    RECEIVED = 2
    NOT_RECEIVED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWN = 7
    STOPPED = 8
    DONE = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def tone(self) -> str:
        """A colour family for the badge: people read colour before words."""
        if self in (Status.NOT_RECEIVED, Status.STOPPED, Status.WITHDRAWN):
            return "bad"
        if self in (Status.SUPPLEMENT_REQUESTED, Status.FINANCIAL_OBLIGATION):
            return "warn"
        if self in (Status.DONE, Status.RETURNED):
            return "good"
        if self is Status.DRAFT:
            return "muted"
        return "info"


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: N_("Bản nháp"),
    Status.NEW: N_("Mới đăng ký"),
    Status.RECEIVED: N_("Được tiếp nhận"),
    Status.NOT_RECEIVED: N_("Không được tiếp nhận"),
    Status.PROCESSING: N_("Đang xử lý"),
    Status.SUPPLEMENT_REQUESTED: N_("Yêu cầu bổ sung giấy tờ"),
    Status.FINANCIAL_OBLIGATION: N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWN: N_("Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: N_("Dừng xử lý"),
    Status.DONE: N_("Đã xử lý xong"),
    Status.RETURNED: N_("Đã trả kết quả"),
}

# What happens next, for the public lookup: a status alone does not tell a citizen what to do.
NEXT_STEPS: dict[Status, str] = {
    Status.NEW: N_(
        "Bộ phận Một cửa đang kiểm tra hồ sơ. Thời hạn giải quyết tính từ khi hồ sơ được tiếp nhận."
    ),
    Status.RECEIVED: N_("Hồ sơ đã được tiếp nhận và chuyển đến cơ quan giải quyết."),
    Status.NOT_RECEIVED: N_(
        "Hồ sơ không được tiếp nhận. Xem lý do trong ứng dụng hoặc hỏi Bộ phận Một cửa."
    ),
    Status.PROCESSING: N_("Cơ quan giải quyết đang xử lý hồ sơ; kết quả dự kiến có vào ngày hẹn."),
    Status.SUPPLEMENT_REQUESTED: N_(
        "Cần bổ sung giấy tờ: đăng nhập ứng dụng để xem và gửi bổ sung. Thời gian chờ bổ sung "
        "không tính vào thời hạn giải quyết."
    ),
    Status.FINANCIAL_OBLIGATION: N_("Chờ nộp phí, lệ phí hoặc nghĩa vụ tài chính theo thông báo."),
    Status.WITHDRAWN: N_("Hồ sơ đã được rút theo yêu cầu."),
    Status.STOPPED: N_(
        "Cơ quan giải quyết đã dừng giải quyết hồ sơ; xem thông báo trong ứng dụng."
    ),
    Status.DONE: N_(
        "Đã có kết quả: nhận tại Bộ phận Một cửa (mang giấy tiếp nhận và CCCD), hoặc bưu điện "
        "sẽ giao nếu bạn đã chọn nhận qua bưu điện."
    ),
    Status.RETURNED: N_("Đã trả kết quả."),
}

CHANNEL_LABELS: dict[int, str] = {
    1: N_("Trực tiếp"),
    2: N_("Trực tuyến"),
    3: N_("Bưu chính công ích"),
}

DELIVERY_LABELS: dict[str, str] = {
    "counter": N_("Nhận tại Bộ phận Một cửa"),
    "post": N_("Nhận qua bưu chính công ích"),
    "electronic": N_("Nhận kết quả điện tử"),
    "on-site": N_("Thực hiện tại hiện trường"),
}

EVENT_LABELS: dict[str, str] = {
    "submit": N_("Công dân nộp hồ sơ trực tuyến"),
    "intake": N_("Tiếp nhận trực tiếp tại Bộ phận Một cửa"),
    "claim": N_("Công dân nhận hồ sơ vào tài khoản của mình"),
    "postal.created": N_("Kết quả chờ gửi qua bưu điện"),
    "postal.handed_over": N_("Bàn giao kết quả cho bưu điện"),
    "postal.in_transit": N_("Bưu gửi đang vận chuyển"),
    "postal.out_for_delivery": N_("Bưu tá đang đi phát"),
    "postal.delivered": N_("Đã giao kết quả"),
    "postal.failed": N_("Giao không thành công"),
    "postal.returned": N_("Bưu gửi chuyển hoàn về Trung tâm"),
    "postal.address_changed": N_("Công dân đổi địa chỉ nhận"),
    "postal.cancelled": N_("Công dân chuyển sang nhận tại quầy"),
    "postal.pickup_booked": N_("Đặt lịch bưu điện đến lấy hồ sơ giấy"),
    "postal.pickup_collected": N_("Bưu điện đã nhận hồ sơ giấy từ công dân"),
    "postal.pickup_handed_in": N_("Bưu điện giao hồ sơ giấy cho Bộ phận Một cửa"),
}
