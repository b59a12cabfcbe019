"""Labels of the resident's page added for issuer, times, all-clear and subscriptions
(label -> language -> text). Kept apart from ``i18n.LABELS`` so translators find the
public page's newer strings in one place; missing languages fall back to English."""

from __future__ import annotations

PUBLIC_LABELS: dict[str, dict[str, str]] = {
    "issued_by": {"en": "Issued by", "vi": "Cơ quan ban hành:"},
    "issued": {"en": "Issued", "vi": "Ban hành lúc"},
    "region": {"en": "Region", "vi": "Khu vực"},
    "all_regions": {"en": "All regions", "vi": "Tất cả khu vực"},
    "whole_region": {"en": "The whole region", "vi": "Toàn khu vực"},
    "times_in": {"en": "Times are local time of", "vi": "Giờ địa phương theo múi giờ"},
    "details": {"en": "Details and history", "vi": "Chi tiết và lịch sử"},
    "all_clear": {"en": "All clear", "vi": "Đã hết nguy hiểm"},
    "cancelled_note": {
        "en": "This warning was cancelled:",
        "vi": "Cảnh báo này đã được hủy:",
    },
    "all_clear_note": {
        "en": "The danger is over for:",
        "vi": "Nguy hiểm đã qua đối với:",
    },
    "subscribe": {"en": "Get warnings on this phone", "vi": "Nhận cảnh báo trên điện thoại này"},
    "subscribe_note": {
        "en": "Notifications come for the region and language chosen above. "
        "No app store needed: add this page to your home screen.",
        "vi": "Thông báo theo khu vực và ngôn ngữ đã chọn ở trên. "
        "Không cần kho ứng dụng: thêm trang này vào màn hình chính.",
    },
    "push_on": {"en": "Turn on notifications", "vi": "Bật thông báo"},
    "push_off": {"en": "Turn off notifications", "vi": "Tắt thông báo"},
    "push_done": {"en": "Notifications are on.", "vi": "Đã bật thông báo."},
    "push_removed": {"en": "Notifications are off.", "vi": "Đã tắt thông báo."},
    "push_unsupported": {
        "en": "This browser cannot receive notifications; use e-mail below.",
        "vi": "Trình duyệt này không nhận được thông báo; hãy dùng e-mail bên dưới.",
    },
    "push_denied": {
        "en": "Notifications were not allowed.",
        "vi": "Thông báo không được cho phép.",
    },
    "email": {"en": "E-mail address", "vi": "Địa chỉ e-mail"},
    "email_subscribe": {"en": "Subscribe by e-mail", "vi": "Đăng ký qua e-mail"},
    "privacy": {
        "en": "We keep only what is needed to reach you (the notification address or your "
        "e-mail, the region and the language) and delete it when you unsubscribe.",
        "vi": "Chúng tôi chỉ lưu những gì cần để liên lạc (địa chỉ thông báo hoặc e-mail, "
        "khu vực và ngôn ngữ) và xóa khi bạn hủy đăng ký.",
    },
    "map_credits": {
        "en": "Map: Natural Earth (public domain); provinces: geoBoundaries (CC BY 3.0 IGO), "
        "censusVN2009 (MIT).",
    },
    "confirm_subject": {
        "en": "Confirm your warning subscription",
        "vi": "Xác nhận đăng ký nhận cảnh báo",
    },
    "confirm_text": {
        "en": "Please confirm that you want public warnings at this address:",
        "vi": "Vui lòng xác nhận bạn muốn nhận cảnh báo công cộng tại địa chỉ này:",
    },
    "confirm_ignore": {
        "en": "If you did not ask for this, ignore this message: nothing is sent unless "
        "you confirm.",
        "vi": "Nếu bạn không yêu cầu, hãy bỏ qua thư này: sẽ không có gì được gửi nếu bạn "
        "không xác nhận.",
    },
    "inbox_title": {"en": "Check your inbox", "vi": "Hãy kiểm tra hộp thư"},
    "inbox_text": {
        "en": "We sent a link to {address}. Open it to start receiving warnings.",
        "vi": "Chúng tôi đã gửi một liên kết tới {address}. Mở liên kết để bắt đầu nhận cảnh báo.",
    },
    "confirm_title": {"en": "Confirm your subscription", "vi": "Xác nhận đăng ký"},
    "confirm_page": {
        "en": "Press the button to start receiving public warnings by e-mail.",
        "vi": "Nhấn nút để bắt đầu nhận cảnh báo công cộng qua e-mail.",
    },
    "confirm_button": {"en": "Confirm", "vi": "Xác nhận"},
    "subscribed_title": {"en": "Subscribed", "vi": "Đã đăng ký"},
    "subscribed_text": {
        "en": "Warnings will be sent to {address}.",
        "vi": "Cảnh báo sẽ được gửi tới {address}.",
    },
    "unsubscribe_title": {"en": "Unsubscribe", "vi": "Hủy đăng ký"},
    "unsubscribe_page": {
        "en": "Press the button to stop the e-mails and delete your address.",
        "vi": "Nhấn nút để ngừng nhận e-mail và xóa địa chỉ của bạn.",
    },
    "unsubscribe_button": {"en": "Unsubscribe", "vi": "Hủy đăng ký"},
    "unsubscribed_text": {
        "en": "{address} was deleted; no more e-mails will come.",
        "vi": "{address} đã được xóa; bạn sẽ không nhận thêm e-mail.",
    },
    "offline": {
        "en": "You are offline: these are the last warnings received.",
        "vi": "Bạn đang ngoại tuyến: đây là các cảnh báo nhận được gần nhất.",
    },
}
