"""The case library's vocabularies: problem types, markets, root causes, outcomes, review states."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

SOURCES_FILE = "sources.yaml"
Labels = dict[str, tuple[str, str]]  # id -> (zh, en)

PROBLEM_TYPES: Labels = {
    "item_not_received": ("物流未收到", "item not received"),
    "damaged": ("商品破损", "damaged"),
    "defective": ("商品故障", "defective"),
    "not_as_described": ("与描述不符", "not as described"),
    "wrong_item_missing_parts": ("发错货/缺件", "wrong item / missing parts"),
    "wrong_size": ("尺寸不符", "wrong size"),
    "return_dispute": ("退货纠纷", "return dispute"),
    "refund_not_received": ("未收到退款", "refund not received"),
    "cancellation": ("取消订单", "cancellation"),
    "negative_feedback": ("差评", "negative feedback"),
    "a_to_z_claim": ("A-to-z 索赔", "A-to-z claim"),
    "chargeback": ("信用卡拒付", "chargeback"),
    "fba_order": ("FBA 订单", "FBA order"),
    "data_request": ("数据请求", "data request"),
    "price_drop": ("降价退差价", "price-drop refund request"),
    "legal_guarantee": ("法定保修（欧盟/英国）", "legal guarantee (EU/UK)"),
    "safety_recall": ("安全召回", "safety recall"),
    "review_extortion": ("以差评勒索", "review extortion"),
    "invoice_customs": ("增值税发票与关税", "VAT invoice or customs duty"),
    "ip_complaint": ("假货与知识产权投诉", "counterfeit or IP complaint"),
    "listing_hijack": ("跟卖与 Listing 被改", "hijacked listing or other sellers"),
    "fba_inventory": ("FBA 库存丢失或损坏", "FBA lost or damaged inventory"),
    "vine_review": ("Vine 评论", "Vine review"),
}
MARKETS: Labels = {
    "US": ("美国站", "United States"), "CA": ("加拿大站", "Canada"), "MX": ("墨西哥站", "Mexico"),
    "BR": ("巴西站", "Brazil"), "UK": ("英国站", "United Kingdom"), "DE": ("德国站", "Germany"),
    "FR": ("法国站", "France"), "IT": ("意大利站", "Italy"), "ES": ("西班牙站", "Spain"),
    "NL": ("荷兰站", "Netherlands"), "SE": ("瑞典站", "Sweden"), "PL": ("波兰站", "Poland"),
    "BE": ("比利时站", "Belgium"), "JP": ("日本站", "Japan"), "AU": ("澳大利亚站", "Australia"),
    "SG": ("新加坡站", "Singapore"), "IN": ("印度站", "India"), "AE": ("阿联酋站", "United Arab Emirates"),
    "SA": ("沙特站", "Saudi Arabia"),
}
ROOT_CAUSES: Labels = {
    "listing": ("Listing/描述不准确", "listing or description"),
    "packaging": ("包装", "packaging"),
    "carrier": ("物流承运", "carrier and logistics"),
    "product_quality": ("产品质量", "product quality"),
    "seller_operations": ("卖家操作失误", "seller operations"),
    "amazon_fulfilment": ("亚马逊配送", "Amazon fulfilment"),
    "buyer_misunderstanding": ("买家误解", "buyer misunderstanding"),
    "buyer_change_of_mind": ("买家改变主意", "buyer change of mind"),
    "payment_dispute": ("支付/银行争议", "payment or bank dispute"),
    "legal_request": ("依法行使权利", "statutory rights request"),
    "third_party": ("其他卖家或第三方", "another seller or third party"),
    "buyer_abuse": ("买家滥用或勒索", "buyer abuse or extortion"),
}
OUTCOMES: Labels = {"resolved": ("已解决", "resolved"), "partial": ("部分解决", "partially resolved"),
                    "failed": ("失败", "failed")}
REVIEW_STATES: Labels = {"draft": ("草稿", "draft"), "approved": ("已审核", "approved"),
                         "archived": ("已归档", "archived")}
FULFILMENT: Labels = {"FBM": ("卖家自配送", "fulfilled by merchant"), "FBA": ("亚马逊配送", "fulfilled by Amazon"),
                      "SFP": ("卖家自配送 Prime", "Seller Fulfilled Prime")}
