<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>中国产业园区招商网</title>
<link>http://rent.sh.cn/</link>
<description>产业园区招商、厂房出租与区域产业资讯</description>
<generator>Z-BlogPHP 1.7.3</generator>
<language>zh-CN</language>
<item><title>临港新片区一批集成电路和智能制造项目集中开工</title><author>admin</author><link>http://rent.sh.cn/index.php/post/12015.html</link><pubDate>2024年10月12日</pubDate><guid>http://rent.sh.cn/index.php/post/12015.html</guid><description><![CDATA[本报讯(通讯员 张立伟)10月11日上午,临港新片区2024年第四批重点产业项目集中开工仪式在临港科技城举行。此次集中开工项目共计18个,总投资约236亿元,涵...]]></description><category>上海厂房出租信息</category></item>
<item><title>张江科学城发布产业用房新政 重点保障研发和中试空间</title><author>admin</author><link>http://rent.sh.cn/index.php/post/12047.html</link><pubDate>2024/10/25</pubDate><guid>http://rent.sh.cn/index.php/post/12047.html</guid><description><![CDATA[文/邵佳宁...]]></description><category>上海厂房出租信息</category></item>
<item><title>杭州湾上虞经开区：精准招商引来“链主”项目</title><author>admin</author><link>http://rent.sh.cn/index.php/post/12071.html</link><pubDate>2024-11-08 16:12:55</pubDate><guid>http://rent.sh.cn/index.php/post/12071.html</guid><description><![CDATA[今年以来，杭州湾上虞经济技术开发区围绕生命健康、新材料、高端装备等主导产业，聚焦产业链关键环节开展精准招商，前三季度共引进亿元以上产业项目31个，其中10亿元以...]]></description><category>上海厂房出租信息</category></item>
<item><title>松江G60科创走廊新增一批高标准厂房 年底前陆续交付</title><author>admin</author><link>http://rent.sh.cn/index.php/post/12058.html</link><pubDate>2024-11-02 14:35:06</pubDate><guid>http://rent.sh.cn/index.php/post/12058.html</guid><description><![CDATA[记者从松江区经委获悉,今年松江将新增高标准厂房约85万平方米,主要分布在松江经济技术开发区、松江综合保税区和G60科创走廊沿线的多个产业园区,预计年底前陆续交付...]]></description><category>上海厂房出租信息</category></item>
<item><title>嘉定新城加快建设智能传感器产业园 首批企业签约入驻</title><author>admin</author><link>http://rent.sh.cn/index.php/post/12033.html</link><pubDate>2024-10-18 10:05:44</pubDate><guid>http://rent.sh.cn/index.php/post/12033.html</guid><description><![CDATA[记者 顾一鸣 报道...]]></description><category>上海厂房出租信息</category></item>
<item><title>七大园区协同发展上海加速打造生物医药产业集群发展高地</title><author>admin</author><link>http://rent.sh.cn/index.php/post/11702.html</link><pubDate>2024-09-12 09:03:37</pubDate><guid>http://rent.sh.cn/index.php/post/11702.html</guid><description><![CDATA[新华财经上海9月11日电 (谈瑞)生物医药产业是关系国计民生、经济发展和国家安全的战略性新兴产业,是推动科技创新、加快形成新质生产力的重要领域。作为中国生物医药...]]></description><category>上海厂房出租信息</category></item>
<item><title>从产业链、创新链发力生物医药产业上虞生命健康产业向“新”而行</title><author>admin</author><link>http://rent.sh.cn/index.php/post/11584.html</link><pubDate>2024-06-21 10:32:18</pubDate><guid>http://rent.sh.cn/index.php/post/11584.html</guid><description><![CDATA[今天上午,2024上虞发展大会·“融入长三角 接轨大上海”系列活动暨生命健康产业促进大会开幕式举行。来自全球的440余名专家学者、行业精英、虞籍乡亲云集上虞,共...]]></description><category>上海厂房出租信息</category></item>
<item><title>2024中国合成生物学与绿色生物制造创新发展论坛诚邀您参加</title><author>admin</author><link>http://rent.sh.cn/index.php/post/11350.html</link><pubDate>2024-04-18 13:26:51</pubDate><guid>http://rent.sh.cn/index.php/post/11350.html</guid><description><![CDATA[李蕾CPICP猪产业链技术服务平台...]]></description><category>上海厂房出租信息</category></item>
<item><title>普陀区举办沪滇沿边产业政策宣介和招商引资推介会</title><author>admin</author><link>http://rent.sh.cn/index.php/post/11210.html</link><pubDate>2024-03-22 17:40:09</pubDate><guid>http://rent.sh.cn/index.php/post/11210.html</guid><description><![CDATA[日前,“‘普’写新‘昆’ 曲‘磨’亮新商机”——昆明、磨憨—磨丁经济合作区政策宣介和招商引资推介会在普陀区举办。普陀区副区长付乐欣、昆明市副市长张彦出席活动并致...]]></description><category>上海厂房出租信息</category></item>
<item><title>全产业链生态闭环渐成生物医药“新星”闪耀东海之滨</title><author>admin</author><link>http://rent.sh.cn/index.php/post/10877.html</link><pubDate>2023-08-16 08:55:27</pubDate><guid>http://rent.sh.cn/index.php/post/10877.html</guid><description><![CDATA[依次驶过张江园区、浦东机场,沿着两港大道快速西行,一排排极富秩序感的标准化建筑很快便出现在视线范围中。不同于传统意义上的灰白色调,在这里,净白外立面的设计语言更...]]></description><category>上海厂房出租信息</category></item>
</channel>
</rss>
