"""Line rules take the shape of boilerplate, not every paragraph that mentions its words.

For each of ``rules.LINE_RULES``: news sentences (industrial-park and regional industry news)
that use the rule's trigger words and must stay in the body, and boilerplate lines of the kind
the rule was written for, which it must still take. Both are checked through
``rules.first_line_rule`` (what the extractor applies to every paragraph) and, on two article
pages written in the style of the CMSes the rules came from, through ``extract_article``.
"""

from __future__ import annotations

import pytest

from parknews.extract import extract_article, rules
from parknews.extract.page import collapse
from parknews.extract.rules import simplify_labels

# rule name -> (news sentences to keep, boilerplate lines the rule must take)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "contact.wechat_name": (
        [
            "园区开通企业微信服务专线。",
            "企业微信已覆盖全区八成规上企业。",
            "松江区已有3000家商户接入微信支付。",
            "该公司微信小程序上线首月订单破万。",
        ],
        ["王经理微信号", "招商顾问李女士微信：lisi_park2024", "客服微信号：parkzs888"],
    ),
    "contact.hotline": (
        [
            "即日起，企业可通过“一网通办”或拨打服务热线400-820-1234预约办理，工作人员将在两个工作日内回访。",
            "园区开通24小时招商服务热线800-820-5678，截至目前已接听企业来电1.2万次。",
            "该企业的智能客服系统日均处理400余万次咨询，相当于80个人工坐席一年的工作量。",
        ],
        ["产业招商/厂房租售：400 8123 567", "招商热线 800-820-1234", "全国免费咨询电话：400-820-1234（工作日9:00-18:00）"],
    ),
    "contact.phone_line": (
        [
            "12345政务服务便民热线2023年受理企业诉求1560000余件。",
            "手机行业2024-2025年发展报告在园区发布。",
            "园区企业服务中心开通热线电话021-57771234，企业诉求平均办结时间缩短至3个工作日。",
            "市民可拨打12345热线反映问题，也可通过微信公众号“松江发布”留言。",
            "今年一季度，园区智能手机产量同比增长18.6%，出口额创历史新高。",
        ],
        [
            "或微信/手机：13812345678 13987654321",
            "手机/微信：13912345678",
            "咨询热线 021 6123 4567",
            "QQ：87654321",
            "联系人：陈经理 手机：13761234567（微信同号）",
        ],
    ),
    "contact.need": (
        [
            "在“企业服务日”活动中，园区把问卷首题设为“请告知您的需求”，共收集有效问卷1200份。",
            "“请说明您的需求”不再是一句客套话，园区专员上门逐项登记企业诉求。",
            "窗口工作人员会请企业说明用工需求，再由人社部门统一对接。",
        ],
        [
            "请说明您的需求、面积、用途、税收、联系人，以便尽快为您匹配房源。",
            "如需租赁厂房，请留下您的联系方式，我们将尽快与您联系。",
        ],
    ),
    "contact.mobile_run": (
        [
            "二、2023年园区实现工业总产值13560000000元",
            "企业咨询电话已并入13812345678等一批服务号码，园区将统一公布。",
            "截至6月底，园区累计引进企业1380家。",
        ],
        ["13812345678", "王经理 13912345678", "招商专员：15012345678 欢迎来电"],
    ),
    "qr.scan": (
        [
            "扫码即可办理营业执照变更，园区企业办事时间平均缩短一半。",
            "扫描电子显微镜、质谱仪等大型仪器已向园区中小企业开放共享。",
            "长按指纹即可开门的智能门锁，是这家园区企业今年的爆款产品。",
            "扫一扫就能查到企业信用记录，这一做法已在全区推开。",
        ],
        [
            "扫一扫",
            "扫一扫关注公众号",
            "长按识别二维码，关注“临港发布”",
            "长按/扫一扫加招商顾问的微信号",
            "微信扫一扫，分享到朋友圈",
            "扫码添加招商经理企业微信",
            "用微信扫描二维码",
        ],
    ),
    "qr.push": (
        [
            "活动期间，参观者可扫描二维码阅读展品介绍，现场还设有互动体验区。",
            "园区为每栋楼宇张贴“码上服务”标识，企业扫描二维码关注服务号即可在线报修。",
        ],
        ["手机扫描二维码阅读全文", "请扫描二维码关注我们", "用手机扫描二维码推送至手机访问。"],
    ),
    "qr.follow": (
        [
            "点击上方菜单“办事服务”即可进入在线申报系统，园区企业可全程网上提交材料。",
            "关注我们身边的产业工人，是今年“最美园区人”评选的初衷。",
            "识别二维码即可追溯产品产地信息，这套系统已覆盖园区80家食品企业。",
        ],
        [
            "点击上方蓝字关注我们",
            "点击蓝字 关注我们",
            "↑关注我们，获取更多园区资讯",
            "识别二维码关注“张江发布”",
            "点击上方“漕河泾开发区”，设为星标",
        ],
    ),
    "share.friends": (
        [
            "一键分享功能上线后，企业可将政策解读直接转发给员工。",
            "转发到企业群后，这份政策清单当天就被下载了2000多次。",
            "分享到朋友圈的园区夜景照片，一夜之间收获上万点赞。",
            "分享给朋友的不只是一杯咖啡，更是园区青年的创业故事。",
        ],
        ["分享给朋友：", "分享到：微信 朋友圈 新浪微博 QQ空间", "一键分享", "分享至 微博 | 微信 | 复制链接"],
    ),
    "copyright.notice": (
        [
            "版权所有人可通过园区版权服务站免费登记作品，今年已有300余件作品完成登记。",
            "版权声明登记、作品著作权登记等业务可在园区知识产权服务中心一站办理。",
            "郑重声明：园区从未委托任何中介机构代理企业入驻业务，请广大企业提高警惕。",
            "免责声明条款是否有效，法院结合合同履行情况作出了认定。",
            "特别声明的是，本次招商推介会不向参会企业收取任何费用。",
        ],
        [
            "版权声明：本文由园区招商网原创发布，转载请注明出处。",
            "【免责声明】本站部分内容来源于网络，仅供参考。",
            "版权所有 © 2024 上海某某园区 保留所有权利",
            "版权所有：上海市某某产业园区管理委员会",
            "特别声明：本文转载仅出于传播信息的需要，并不代表本站观点。",
            "免责声明",
        ],
    ),
    "copyright.reprint": (
        [
            "未经许可擅自使用他人注册商标的行为，将被市场监管部门依法查处。",
            "法院审理认为，被告未经授权转载原告摄影作品，构成著作权侵权。",
            "如有侵权行为发生，园区知识产权工作站将协助企业开展维权。",
            "根据新规，未经许可不得使用园区标识开展商业活动。",
        ],
        [
            "转载请注明出处：园区招商网",
            "未经本站书面授权，不得转载、摘编或以其他方式使用。",
            "如有侵权，请联系我们删除。",
            "本文转载自微信公众号“嘉定工业区”",
            "图文来源于网络，如有侵权请联系本站删除",
        ],
    ),
    "copyright.icp": (
        [
            "该公司近日取得ICP证，成为开发区首家获得增值电信业务经营许可的数字经济企业。",
            "今年以来，园区办理ICP备案的互联网企业增至86家。",
            "全区已有120家网站完成公网安备登记，备案率达到百分之百。",
            "知识产权宣传周上，工作人员向企业讲解©、®、™等标识的含义和使用规范。",
            "园区举办Copyright与开源许可证合规讲座，吸引60余家软件企业参加。",
            "取得ICP证的企业已达12家，园区计划年内再培育一批增值电信企业。",
        ],
        [
            "沪ICP备12345678号-1",
            "ICP备案号：沪ICP备2021012345号",
            "京ICP证030173号",
            "沪公网安备 31011702001234号",
            "Copyright © 2010-2024 rent.sh.cn All Rights Reserved",
            "© 2024 上海某某园区",
            "Copyright (C) 2008-2024 某某开发区管委会",
            "© Reuters",
        ],
    ),
    "permalink.line": (
        [
            "园区官网首页设有政策原文链接，企业可一键下载申报指南。",
            "文章链接到的在线申报平台，已累计受理企业申请1.5万件。",
        ],
        [
            "本文链接：http://www.example-park.cn/news/2024/0612.html",
            "原文链接：https://mp.weixin.qq.com/s/AbCdEf123",
            "本文地址: http://park.example.com/?id=123",
        ],
    ),
    "widget.prev_next": (
        [
            "上一条生产线刚刚投产，下一条已在厂房里调试。",
            "下一篇章，园区将聚焦人工智能和生物医药两大赛道。",
            "下一条地铁延伸线通车后，园区到市中心只需40分钟。",
        ],
        [
            "上一篇：松江区召开重点产业项目推进会",
            "下一篇：没有了",
            "上一篇 临港新片区一批重点项目集中签约",
            "上一条：园区2024年一季度经济运行情况 下一条：关于开展企业走访的通知",
        ],
    ),
    "widget.print_close": (
        [
            "申报系统将于6月30日关闭窗口，逾期不再受理。",
            "园区政务服务平台新增“收藏本页”功能，常用事项一键直达。",
            "打印本页所列材料清单后，企业可直接到窗口办理。",
        ],
        [
            "【打印本页】【关闭窗口】",
            "打印本文 | 关闭窗口",
            "返回顶部",
            "【收藏本页】 【打印此页】 【关闭】",
            "【字体：大 中 小】【打印本页】【关闭窗口】",
        ],
    ),
    "widget.font_size": (
        [
            "园区导视系统统一采用字体大小分级规范。",
            "老字号：大白兔、冠生园等品牌入驻园区展示中心。",
            "新版公文字号大幅调整，园区各部门下月起执行。",
        ],
        ["【字体：大 中 小】", "字号：大 中 小", "字体：大 | 中 | 小", "【字号 大 中 小】"],
    ),
    "widget.visitor_count": (
        ["第10000位访问者获赠园区定制纪念品。", "第3位读者来信反映的停车难问题已得到解决。"],
        ["您是本文第 1024 位访问者", "第12345位访问者"],
    ),
    "widget.counters": (
        [
            "阅读量突破10万次的推文，介绍的正是园区的人才公寓。",
            "点击进入“企业服务”专栏即可在线申报。",
            "浏览了三十多家企业的展台后，他决定落户临港。",
            "收藏家们在园区文创市集上淘到了不少老物件。",
        ],
        ["阅读：1024", "浏览次数：356次", "点赞 12", "在看"],
    ),
    "upstream.sohu_medal": (
        ["园区“金牌服务专员”的评选，由内容质量和企业满意度两项指标决定。"],
        ["由内容质量、互动评论、分享传播等多维度分值决定，勋章级别越高，代表其在平台内的综合表现越好。"],
    ),
    "upstream.sohu_back": (
        ["返回家乡创业的青年人才已达1200人。", "返回搜狐新闻客户端首页的入口已改版，园区专栏置顶显示。"],
        ["返回搜狐，查看更多", "返回搜狐,查看更多"],
    ),
    "upstream.end_mark": (
        ["END 智能装备公司总部项目在园区正式开工。", "全文完成审议后，该条例将于明年施行。", "完工后的厂房将优先租给集成电路企业。"],
        ["- END -", "END", "—— 完 ——", "全文完"],
    ),
    "upstream.wechat_more": (
        ["相关阅读材料已发放至各入驻企业。", "阅读原文件后，企业普遍认为新政含金量高。", "推荐阅读书目由园区职工书屋统一采购。"],
        ["往期推荐", "推荐阅读：", "阅读原文"],
    ),
    "upstream.editor_note": (
        [
            "注：以上数据仅代表园区规模以上工业企业，不含建筑业和服务业。",
            "注：本表统计口径不代表全区整体情况，具体以统计部门发布为准。",
        ],
        ["声明：本文仅代表作者个人观点，不代表本平台立场。", "注：图片版权归原作者所有。", "声明：本文观点不代表本站立场"],
    ),
    "related.heading": (
        ["相关文章已在《解放日报》刊发。", "最新资讯显示，园区一季度新增注册企业320家。"],
        ["相关文章", "相关新闻：", "大家都在看"],
    ),
    "upstream.sohu_location": (
        ["该报告发布于今年3月，覆盖长三角42个产业园区。", "发布于园区官网的招商指南已更新至第三版。"],
        ["发布于：上海市", "发布于：江苏省"],
    ),
    "widget.labels_en": (
        [
            "Close to 200 firms have moved into the Caohejing park this year.",
            "Share prices of companies based in the zone rose 5% on Monday.",
            "Subscribe 模式的工业软件在园区中小企业中快速普及。",
        ],
        ["Advertisement", "Share this on Facebook", "Read more", "Related articles"],
    ),
    "comments.heading": (
        ["网友评论称，园区的夜景灯光秀让人眼前一亮。", "发表评论的市民中，超过六成支持延长公交线路。"],
        ["发表评论", "网友评论：", "共12条评论", "评论(3)", "共12条评论 查看全部"],
    ),
    "widget.tags": (
        [
            "关键词：创新。今年以来，园区研发投入同比增长21%，新增高新技术企业46家。",
            "关键词：“链”。园区以链主企业为牵引，引进上下游配套项目28个。",
        ],
        ["标签：厂房出租 松江 招商", "Tags: industrial park, Shanghai", "关键词：园区,招商,厂房", "TAG：生物医药"],
    ),
}

KEEP = [pytest.param(rule, text, id=f"{rule}-keep{i}") for rule, (keep, _drop) in CASES.items() for i, text in enumerate(keep)]
DROP = [pytest.param(rule, text, id=f"{rule}-drop{i}") for rule, (_keep, drop) in CASES.items() for i, text in enumerate(drop)]


def test_every_line_rule_has_news_and_boilerplate_cases():
    assert set(CASES) == {r.name for r in rules.LINE_RULES}
    assert all(keep and drop for keep, drop in CASES.values())


@pytest.mark.parametrize(("rule", "text"), KEEP)
def test_a_news_sentence_with_the_rule_words_is_kept(rule, text):
    taken = rules.first_line_rule(text)
    assert taken is None, f"{taken.name} takes a news sentence written for {rule}: {text!r}"


@pytest.mark.parametrize(("rule", "text"), DROP)
def test_the_boilerplate_the_rule_is_for_is_still_taken(rule, text):
    taken = rules.first_line_rule(text)
    assert taken is not None and taken.name == rule, (text, taken and taken.name)


# The "来源：X" field line (read into source_outlet, out of the body) takes a short line that is
# only the label and its value, not a sentence that starts with the label.
SOURCE_KEEP = [
    "来源：市统计局。1-5月，园区规上工业总产值同比增长8.2%。",
    "出处：《松江府志》记载，这一带明代已是棉布集散地。",
]
SOURCE_DROP = [("来源：松江区新闻办", "松江区新闻办"), ("信息来源： 嘉定区经委", "嘉定区经委"),
               ("文章来源：园区招商网 2024-06-12", "园区招商网"), ("【来源：解放日报】", "解放日报"), ("来源：新华网。", "新华网")]


def _source_line(text: str) -> str | None:
    m = rules.SOURCE_LINE.match(simplify_labels(text)) if len(text) <= 60 else None
    return m.group("value").strip() if m else None


@pytest.mark.parametrize("text", SOURCE_KEEP, ids=[f"field.source-keep{i}" for i in range(len(SOURCE_KEEP))])
def test_a_sentence_starting_with_a_source_label_is_not_a_source_line(text):
    assert _source_line(text) is None


@pytest.mark.parametrize(("text", "value"), SOURCE_DROP, ids=[f"field.source-drop{i}" for i in range(len(SOURCE_DROP))])
def test_a_source_line_is_read(text, value):
    assert _source_line(text) == value


# --- end to end: two article pages --------------------------------------------------------

# A development-zone portal article (DedeCMS-like template): sidebar, info line, a font-size and
# counter bar, the text, then contact ad, QR prompt, notices, permalink and prev/next as plain
# paragraphs inside the content box, and a footer with the site's real ICP and copyright lines.
PORTAL_NEWS = [
    ("copyright.icp", "该公司近日取得ICP证，成为开发区首家获得增值电信业务经营许可的数字经济企业。"),
    ("copyright.icp", "今年以来，园区办理ICP备案的互联网企业增至86家。"),
    ("copyright.icp", "全区已有120家网站完成公网安备登记，备案率达到百分之百。"),
    ("copyright.notice", "版权所有人可通过园区版权服务站免费登记作品，今年已有300余件作品完成登记。"),
    ("copyright.notice", "版权声明登记、作品著作权登记等业务可在园区知识产权服务中心一站办理。"),
    ("copyright.reprint", "法院审理认为，被告未经授权转载原告摄影作品，构成著作权侵权。"),
    ("copyright.reprint", "如有侵权行为发生，园区知识产权工作站将协助企业开展维权。"),
    ("copyright.icp", "知识产权宣传周上，工作人员向企业讲解©、®、™等标识的含义和使用规范。"),
    ("contact.hotline", "即日起，企业可通过“一网通办”或拨打服务热线400-820-1234预约办理，工作人员将在两个工作日内回访。"),
    ("contact.phone_line", "园区企业服务中心开通热线电话021-57771234，企业诉求平均办结时间缩短至3个工作日。"),
    ("contact.wechat_name", "企业微信已覆盖全区八成规上企业。"),
    ("qr.scan", "扫码即可办理营业执照变更，园区企业办事时间平均缩短一半。"),
    ("qr.follow", "识别二维码即可追溯产品产地信息，这套系统已覆盖园区80家食品企业。"),
    ("qr.push", "活动期间，参观者可扫描二维码阅读展品介绍，现场还设有互动体验区。"),
    ("share.friends", "一键分享功能上线后，企业可将政策解读直接转发给员工。"),
    ("widget.print_close", "申报系统将于6月30日关闭窗口，逾期不再受理。"),
    ("widget.prev_next", "上一条生产线刚刚投产，下一条已在厂房里调试。"),
    ("widget.prev_next", "下一篇章，园区将聚焦人工智能和生物医药两大赛道。"),
    ("widget.font_size", "新版公文字号大幅调整，园区各部门下月起执行。"),
    ("widget.visitor_count", "第10000位访问者获赠园区定制纪念品。"),
    ("permalink.line", "园区官网首页设有政策原文链接，企业可一键下载申报指南。"),
    ("upstream.editor_note", "注：以上数据仅代表园区规模以上工业企业，不含建筑业和服务业。"),
    ("widget.tags", "关键词：创新。今年以来，园区研发投入同比增长21%，新增高新技术企业46家。"),
    ("comments.heading", "网友评论称，园区的夜景灯光秀让人眼前一亮。"),
]
PORTAL_BOILERPLATE = [
    "【字体：大 中 小】", "浏览次数：356次", "标签：数字经济 增值电信 知识产权",
    "产业招商热线：400-820-1234", "手机/微信：13912345678", "招商顾问微信号：zs_park2024",
    "请说明您的需求、面积、用途、税收、联系人，以便尽快为您匹配房源。", "15012345678",
    "扫一扫关注公众号", "版权声明：本文由开发区管委会原创发布，转载请注明出处。",
    "本文链接：http://www.example-park.cn/news/2024/0612.html", "分享到：微信 朋友圈 新浪微博",
    "上一篇：开发区召开重点产业项目推进会", "下一篇：没有了", "【打印本页】【关闭窗口】",
    "发表评论", "园区真是越来越漂亮了！",
    "版权所有 © 2024 上海某某经济开发区管理委员会 保留所有权利", "沪ICP备12345678号-1", "沪公网安备 31011702001234号",
]

_STYLES = ['style="text-indent:2em;"', 'style="text-indent:2em;line-height:1.8;"', 'align="justify"', ""]


def _portal_page() -> bytes:
    paras = "\n".join(
        f'<p {_STYLES[i % len(_STYLES)]}>&nbsp;&nbsp;&nbsp;&nbsp;<span style="font-size:16px;">{text}</span></p>'
        for i, (_rule, text) in enumerate(PORTAL_NEWS)
    )
    html = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>开发区数字经济企业加快集聚_园区动态_上海某某经济开发区</title></head>
<body>
<div class="top"><div class="w1200"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/yqdt/">园区动态</a> | <a href="/tzcj/">投资促进</a></div></div>
<div class="w1200" style="overflow:hidden;margin-top:10px;">
 <div class="left_box" style="float:left;width:870px;">
  <div class="weizhi">当前位置：<a href="/">首页</a> &gt; <a href="/yqdt/">园区动态</a> &gt; 正文</div>
  <div class="con_box" style="padding:20px;border:1px solid #ddd;">
   <h1 style="text-align:center;font-size:22px;">开发区数字经济企业加快集聚</h1>
   <div class="info" style="text-align:center;color:#888;">发布时间：2024-06-12 09:30 &nbsp; 来源：开发区管委会 &nbsp; 作者：周敏</div>
   <div style="text-align:right;"><p>【字体：大 中 小】</p><p>浏览次数：356次</p></div>
   <div class="content" id="zoom">
    <div style="font-family:宋体;">
{paras}
    </div>
    <p>标签：数字经济 增值电信 知识产权</p>
    <div style="border:1px dashed #e8b04b;padding:10px;">
     <p style="margin:0;">产业招商热线：400-820-1234</p>
     <p style="margin:0;">手机/微信：13912345678</p>
     <p style="margin:0;">招商顾问微信号：zs_park2024</p>
     <p style="margin:0;">请说明您的需求、面积、用途、税收、联系人，以便尽快为您匹配房源。</p>
     <p style="margin:0;">15012345678</p>
    </div>
    <p style="text-align:center;"><img src="/uploads/qrcode-gzh.jpg" width="120"></p>
    <p style="text-align:center;">扫一扫关注公众号</p>
    <p>版权声明：本文由开发区管委会原创发布，转载请注明出处。</p>
    <p>本文链接：<a href="http://www.example-park.cn/news/2024/0612.html">http://www.example-park.cn/news/2024/0612.html</a></p>
    <p>分享到：微信 朋友圈 新浪微博</p>
    <p>上一篇：<a href="/yqdt/0611.html">开发区召开重点产业项目推进会</a></p>
    <p>下一篇：没有了</p>
    <p>【打印本页】【关闭窗口】</p>
    <h3>发表评论</h3>
    <p>园区真是越来越漂亮了！</p>
   </div>
  </div>
 </div>
 <div class="right_box" style="float:right;width:300px;">
  <h3>热门文章</h3>
  <ul><li><a href="/yqdt/0601.html">开发区一季度经济运行情况</a></li><li><a href="/yqdt/0520.html">重点项目集中签约</a></li></ul>
  <p><img src="/uploads/wx.jpg"></p><p>扫一扫关注官方微信</p>
  <p>招商热线：400-820-1234</p>
 </div>
</div>
<div class="footer" style="background:#333;color:#ccc;text-align:center;">
 <p>版权所有 © 2024 上海某某经济开发区管理委员会 保留所有权利</p>
 <p><a href="https://beian.miit.gov.cn/">沪ICP备12345678号-1</a>&nbsp;&nbsp;沪公网安备 31011702001234号</p>
</div>
</body></html>"""
    return html.encode("utf-8")


# A WeChat article republished on a blog-style site: follow prompt on top, the text, the
# account's leftovers (notes, location, END, 往期推荐) and the site's own share and QR boxes.
WECHAT_NEWS = [
    ("qr.follow", "关注我们身边的产业工人，是今年“最美园区人”评选的初衷。"),
    ("share.friends", "转发到企业群后，这份政策清单当天就被下载了2000多次。"),
    ("share.friends", "分享到朋友圈的园区夜景照片，一夜之间收获上万点赞。"),
    ("qr.scan", "扫描电子显微镜、质谱仪等大型仪器已向园区中小企业开放共享。"),
    ("contact.wechat_name", "松江区已有3000家商户接入微信支付。"),
    ("contact.phone_line", "市民可拨打12345热线反映问题，也可通过微信公众号“松江发布”留言。"),
    ("contact.mobile_run", "截至6月底，园区累计引进企业1380家。"),
    ("contact.need", "在“企业服务日”活动中，园区把问卷首题设为“请告知您的需求”，共收集有效问卷1200份。"),
    ("copyright.reprint", "未经许可擅自使用他人注册商标的行为，将被市场监管部门依法查处。"),
    ("copyright.icp", "园区举办Copyright与开源许可证合规讲座，吸引60余家软件企业参加。"),
    ("widget.counters", "阅读量突破10万次的推文，介绍的正是园区的人才公寓。"),
    ("widget.print_close", "园区政务服务平台新增“收藏本页”功能，常用事项一键直达。"),
    ("upstream.sohu_location", "该报告发布于今年3月，覆盖长三角42个产业园区。"),
    ("upstream.sohu_back", "返回家乡创业的青年人才已达1200人。"),
    ("upstream.end_mark", "全文完成审议后，该条例将于明年施行。"),
    ("upstream.wechat_more", "阅读原文件后，企业普遍认为新政含金量高。"),
    ("related.heading", "最新资讯显示，园区一季度新增注册企业320家。"),
    ("comments.heading", "发表评论的市民中，超过六成支持延长公交线路。"),
    ("widget.tags", "关键词：“链”。园区以链主企业为牵引，引进上下游配套项目28个。"),
    ("upstream.editor_note", "注：本表统计口径不代表全区整体情况，具体以统计部门发布为准。"),
]
WECHAT_BOILERPLATE = [
    "点击上方蓝字关注我们", "声明：本文仅代表作者个人观点，不代表本平台立场。", "发布于：上海市", "阅读：1024",
    "- END -", "往期推荐", "园区一季度经济运行稳中有进", "长按识别二维码，关注“临港发布”",
    "分享给朋友：", "上一篇 临港新片区一批重点项目集中签约", "Copyright © 2010-2024 某某园区网 All Rights Reserved",
]


def _wechat_page() -> bytes:
    paras = "\n".join(
        f'<section style="margin:0 8px;"><p style="line-height:1.75em;"><span style="font-size:15px;color:#3f3f3f;">'
        f"&nbsp;&nbsp;{text}</span></p></section>"
        for _rule, text in WECHAT_NEWS
    )
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>园区人的这一年 - 某某园区网</title></head>
<body>
<div id="header"><div class="inner"><a href="/">某某园区网</a><ul class="menu"><li><a href="/news/">园区新闻</a></li><li><a href="/rent/">厂房出租</a></li></ul></div></div>
<div id="main" style="width:1100px;margin:0 auto;">
 <div id="primary" style="float:left;width:760px;">
  <div class="post">
   <h2 class="post-title">园区人的这一年</h2>
   <div class="post-meta">2024-12-28 10:05 | 园区新闻</div>
   <div class="post-body">
    <p style="text-align:center;"><span style="color:#1e90ff;">点击上方蓝字关注我们</span></p>
{paras}
    <p><span style="color:#888;">声明：本文仅代表作者个人观点，不代表本平台立场。</span></p>
    <p>发布于：上海市</p>
    <p>阅读：1024</p>
    <p style="text-align:center;">- END -</p>
    <p><strong>往期推荐</strong></p>
    <p><a href="/news/2024/1201.html">园区一季度经济运行稳中有进</a></p>
    <p style="text-align:center;">长按识别二维码，关注“临港发布”</p>
   </div>
   <div style="margin-top:20px;">
    <p>分享给朋友：</p>
    <p>上一篇 <a href="/news/2024/1220.html">临港新片区一批重点项目集中签约</a></p>
   </div>
  </div>
 </div>
 <div id="secondary" style="float:right;width:300px;"><h3>最新文章</h3><ul><li><a href="/news/1.html">园区招商政策汇编</a></li></ul></div>
</div>
<div id="bottom"><p>Copyright © 2010-2024 某某园区网 All Rights Reserved</p></div>
</body></html>"""
    return html.encode("utf-8")


PAGES = {"portal": (_portal_page, "http://www.example-park.cn/yqdt/2024/0612.html", PORTAL_NEWS, PORTAL_BOILERPLATE),
         "wechat": (_wechat_page, "http://www.example-yuanqu.com/news/2024/1228.html", WECHAT_NEWS, WECHAT_BOILERPLATE)}
_BODIES: dict[str, list[str]] = {}


def _body_lines(page: str) -> list[str]:
    if page not in _BODIES:
        make, url, _news, _boilerplate = PAGES[page]
        article = extract_article(make(), url)
        _BODIES[page] = [collapse(line).strip() for line in (article.body or "").split("\n")]
    return _BODIES[page]


E2E_KEEP = [pytest.param(page, text, id=f"{page}-{rule}-{i}") for page, (_m, _u, news, _b) in PAGES.items() for i, (rule, text) in enumerate(news)]
E2E_DROP = [pytest.param(page, text, id=f"{page}-drop{i}") for page, (_m, _u, _n, boilerplate) in PAGES.items() for i, text in enumerate(boilerplate)]


@pytest.mark.parametrize(("page", "text"), E2E_KEEP)
def test_the_extracted_body_keeps_each_news_paragraph(page, text):
    assert text in _body_lines(page)


@pytest.mark.parametrize(("page", "text"), E2E_DROP)
def test_the_extracted_body_has_no_boilerplate(page, text):
    assert not any(text in line for line in _body_lines(page))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_extracted_body_is_the_news_paragraphs_in_order(page):
    news = [text for _rule, text in PAGES[page][2]]
    assert _body_lines(page) == news
