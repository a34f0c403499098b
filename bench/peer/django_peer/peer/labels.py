"""MotCua's status labels and next steps (backend/dossiers/status.py), copied: the peer does not
import the project."""

STATUS_LABELS = {
    0: "Bản nháp",
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}

NEXT_STEPS = {
    1: "Bộ phận Một cửa đang kiểm tra hồ sơ. Thời hạn giải quyết tính từ khi hồ sơ được tiếp nhận.",
    2: "Hồ sơ đã được tiếp nhận và chuyển đến cơ quan giải quyết.",
    3: "Hồ sơ không được tiếp nhận. Xem lý do trong ứng dụng hoặc hỏi Bộ phận Một cửa.",
    4: "Cơ quan giải quyết đang xử lý hồ sơ; kết quả dự kiến có vào ngày hẹn.",
    5: "Cần bổ sung giấy tờ: đăng nhập ứng dụng để xem và gửi bổ sung. Thời gian chờ bổ sung "
    "không tính vào thời hạn giải quyết.",
    6: "Chờ nộp phí, lệ phí hoặc nghĩa vụ tài chính theo thông báo.",
    7: "Hồ sơ đã được rút theo yêu cầu.",
    8: "Cơ quan giải quyết đã dừng giải quyết hồ sơ; xem thông báo trong ứng dụng.",
    9: "Đã có kết quả: nhận tại Bộ phận Một cửa (mang giấy tiếp nhận và CCCD), hoặc bưu điện "
    "sẽ giao nếu bạn đã chọn nhận qua bưu điện.",
    10: "Đã trả kết quả.",
}


def tone(status):
    if status in (3, 8, 7):
        return "bad"
    if status in (5, 6):
        return "warn"
    if status in (9, 10):
        return "good"
    if status == 0:
        return "muted"
    return "info"
