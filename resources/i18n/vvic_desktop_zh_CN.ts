<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <source>VVIC Image Search</source>
        <translation>搜款图搜</translation>
    </message>
</context>
<context>
    <name>BatchModel</name>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Styles found</source>
        <translation>找到款式</translation>
    </message>
    <message>
        <source>Cheapest</source>
        <translation>最低价</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>searching</source>
        <translation>搜索中</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>重复</translation>
    </message>
    <message>
        <source>Same photo as another in this batch: searched once.</source>
        <translation>与本批中另一张是同一张图：只搜一次。</translation>
    </message>
    <message>
        <source>The lowest price of the style most like the photo</source>
        <translation>与照片最像的款式的最低价</translation>
    </message>
    <message>
        <source>Double-click to open the result</source>
        <translation>双击打开搜索结果</translation>
    </message>
</context>
<context>
    <name>BatchView</name>
    <message>
        <source>Batch search</source>
        <translation>批量搜款</translation>
    </message>
    <message>
        <source>Add photos…</source>
        <translation>添加照片…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Marketplace for the batch</source>
        <translation>批量搜索的市场</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>重试失败项</translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <source>Photos in the batch</source>
        <translation>本批照片</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>市场</translation>
    </message>
    <message>
        <source>Local library</source>
        <translation>本地图库</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) ready; press Start.</source>
        <translation>
            <numerusform>已有 %n 张照片，点“开始”。</numerusform>
        </translation>
    </message>
    <message>
        <source>Add photos</source>
        <translation>添加照片</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif)</translation>
    </message>
    <message>
        <source>Add a folder of photos</source>
        <translation>添加照片文件夹</translation>
    </message>
    <message>
        <source>Batch {time}</source>
        <translation>批量 {time}</translation>
    </message>
    <message>
        <source>Pausing after the searches under way…</source>
        <translation>正在进行的搜索完成后暂停…</translation>
    </message>
    <message>
        <source>Cancelling; photos not yet searched stay queued.</source>
        <translation>正在取消；还没搜的照片留在队列里。</translation>
    </message>
    <message>
        <source>An unfinished batch was found; press Start to resume it.</source>
        <translation>发现未完成的批量搜索，点“开始”继续。</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) added.</source>
        <translation>
            <numerusform>已添加 %n 张照片。</numerusform>
        </translation>
    </message>
    <message>
        <source>Add photos or folders (or drop them here), choose the marketplace, then Start. Up to the AppKey's quota per minute is used, never more; the same photo twice costs one call; a closed app resumes where it stopped.</source>
        <translation>添加照片或文件夹（也可以直接拖进来），选好市场，然后点“开始”。每分钟最多用到 AppKey 的额度，绝不超额；同一张图只花一次调用；程序关闭后会从中断处继续。</translation>
    </message>
    <message>
        <source>{done} of {total} photos · {failed} failed · {state}</source>
        <translation>{total} 张中已完成 {done} 张 · 失败 {failed} 张 · {state}</translation>
    </message>
    <message>
        <source>about {minutes} min left at {quota} calls/min</source>
        <translation>按每分钟 {quota} 次，约剩 {minutes} 分钟</translation>
    </message>
    <message>
        <source>{used} of {quota} calls used this minute</source>
        <translation>本分钟已用 {used}/{quota} 次调用</translation>
    </message>
    <message>
        <source>running</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Export the batch</source>
        <translation>导出批量结果</translation>
    </message>
    <message>
        <source>Excel (*.xlsx);;CSV (*.csv);;HTML (*.html)</source>
        <translation>Excel (*.xlsx);;CSV (*.csv);;HTML (*.html)</translation>
    </message>
    <message>
        <source>Batch exported to {path}.</source>
        <translation>批量结果已导出到 {path}。</translation>
    </message>
</context>
<context>
    <name>CompareModel</name>
    <message>
        <source>Picture</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Min. order</source>
        <translation>起批量</translation>
    </message>
    <message>
        <source>Credit</source>
        <translation>信誉</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>市场</translation>
    </message>
    <message>
        <source>Stall position</source>
        <translation>档口位置</translation>
    </message>
    <message>
        <source>Stall</source>
        <translation>档口</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>销量</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <source>{low}–{high}</source>
        <translation>{low}–{high}</translation>
    </message>
    <message>
        <source>{price} (best offer)</source>
        <translation>{price}（最优货源）</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>无货</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <source>No image</source>
        <translation>无图片</translation>
    </message>
    <message>
        <source>Picture unavailable</source>
        <translation>图片不可用</translation>
    </message>
</context>
<context>
    <name>CompareView</name>
    <message>
        <source>Compare stalls</source>
        <translation>档口比价</translation>
    </message>
    <message>
        <source>Offers of this style</source>
        <translation>该款的全部货源</translation>
    </message>
    <message>
        <source>Find similar (search by this picture)…</source>
        <translation>找相似（用这张商品图搜索）…</translation>
    </message>
    <message>
        <source>No style selected</source>
        <translation>未选择款式</translation>
    </message>
    <message>
        <source>Right-click a result and choose “Compare stalls side by side”.</source>
        <translation>在结果上点右键，选择“并排比较档口”。</translation>
    </message>
    <message numerus="yes">
        <source>%n stall(s) · {listings} listings · {in_stock} in stock · {low} to {high}</source>
        <translation>
            <numerusform>%n 家档口 · {listings} 个商品 · {in_stock} 个有货 · {low} 至 {high}</numerusform>
        </translation>
    </message>
    <message>
        <source>This listing has no web link.</source>
        <translation>这个商品没有网页链接。</translation>
    </message>
    <message>
        <source>Add to purchase list</source>
        <translation>加入进货单</translation>
    </message>
</context>
<context>
    <name>CropTool</name>
    <message>
        <source>Crop the garment</source>
        <translation>框选服装</translation>
    </message>
    <message>
        <source>Photo and crop rectangle</source>
        <translation>照片和裁剪框</translation>
    </message>
    <message>
        <source>Auto crop</source>
        <translation>自动裁剪</translation>
    </message>
    <message>
        <source>Find the garment and crop to it (Ctrl+R)</source>
        <translation>自动找到服装并裁剪（Ctrl+R）</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Reset the crop</source>
        <translation>重置裁剪</translation>
    </message>
    <message>
        <source>Use the whole photo</source>
        <translation>使用整张照片</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Fit the photo in the view</source>
        <translation>让照片适应视图</translation>
    </message>
    <message>
        <source>Loading the photo…</source>
        <translation>正在加载照片…</translation>
    </message>
    <message>
        <source>Open a photo first.</source>
        <translation>请先打开一张照片。</translation>
    </message>
    <message>
        <source>Looking for the garment…</source>
        <translation>正在寻找服装…</translation>
    </message>
    <message>
        <source>No garment stood out clearly; the whole photo will be searched.</source>
        <translation>没有明显的服装区域，将搜索整张照片。</translation>
    </message>
    <message>
        <source>Whole photo, {w} × {h} px</source>
        <translation>整张照片，{w} × {h} 像素</translation>
    </message>
    <message>
        <source>Crop {w} × {h} px at ({x}, {y})</source>
        <translation>裁剪 {w}×{h}，左上 ({x}, {y})</translation>
    </message>
</context>
<context>
    <name>DropArea</name>
    <message>
        <source>an embedded picture larger than 20 MB</source>
        <translation>超过 20 MB 的内嵌图片</translation>
    </message>
    <message>
        <source>“{name}” cannot be found or read and was skipped.</source>
        <translation>找不到或无法读取“{name}”，已跳过。</translation>
    </message>
    <message>
        <source>Drop photos here</source>
        <translation>把照片拖到这里</translation>
    </message>
    <message>
        <source>Drop photos, folders or image addresses here</source>
        <translation>把照片、文件夹或图片网址拖到这里</translation>
    </message>
    <message>
        <source>Open photos…</source>
        <translation>打开照片…</translation>
    </message>
    <message>
        <source>Open photos</source>
        <translation>打开照片</translation>
    </message>
    <message>
        <source>Choose photos from a folder (Ctrl+O)</source>
        <translation>从文件夹选择照片（Ctrl+O）</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <source>Paste a photo</source>
        <translation>粘贴照片</translation>
    </message>
    <message>
        <source>Paste a copied picture or image address (Ctrl+V)</source>
        <translation>粘贴复制的图片或图片网址（Ctrl+V）</translation>
    </message>
    <message>
        <source>Not added: {items}. Only image files, folders and web (http/https) image addresses can be dropped.</source>
        <translation>未添加：{items}。只能拖入图片文件、文件夹和网页（http/https）图片网址。</translation>
    </message>
    <message>
        <source>Nothing to add: drop image files, folders or image addresses.</source>
        <translation>没有可添加的内容：请拖入图片文件、文件夹或图片网址。</translation>
    </message>
    <message>
        <source>Only the first {n} photos were added (at most {depth} folder levels deep).</source>
        <translation>只添加了前 {n} 张照片（最多 {depth} 层文件夹）。</translation>
    </message>
    <message>
        <source>{n} item(s) were skipped: not regular image files.</source>
        <translation>跳过了 {n} 项：不是普通图片文件。</translation>
    </message>
    <message>
        <source>No photos found in what was dropped.</source>
        <translation>拖入的内容里没有找到照片。</translation>
    </message>
    <message>
        <source>Only the first {n} image addresses are downloaded.</source>
        <translation>只下载前 {n} 个图片网址。</translation>
    </message>
    <message>
        <source>The clipboard holds no picture or image address.</source>
        <translation>剪贴板里没有图片或图片网址。</translation>
    </message>
    <message>
        <source>Pasted picture {time}</source>
        <translation>粘贴的图片 {time}</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif);;All files (*)</source>
        <translation>图片 (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Adding photos…</source>
        <translation>正在添加照片…</translation>
    </message>
    <message>
        <source>A photo could not be added ({kind}).</source>
        <translation>有一张照片无法添加（{kind}）。</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>Marketplace</source>
        <translation>批发平台</translation>
    </message>
    <message>
        <source>Lowest price</source>
        <translation>最低价</translation>
    </message>
    <message>
        <source>Highest price</source>
        <translation>最高价</translation>
    </message>
    <message>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Largest minimum order</source>
        <translation>最大起批量</translation>
    </message>
    <message>
        <source>Only listings whose minimum order is at most this</source>
        <translation>只显示起批量不超过此数的商品</translation>
    </message>
    <message>
        <source>In stock</source>
        <translation>有货</translation>
    </message>
    <message>
        <source>Only listings in stock</source>
        <translation>只显示有货商品</translation>
    </message>
    <message>
        <source>Stall credit level</source>
        <translation>档口信誉等级</translation>
    </message>
    <message>
        <source>Any credit</source>
        <translation>信誉不限</translation>
    </message>
    <message>
        <source>A only</source>
        <translation>仅 A 级</translation>
    </message>
    <message>
        <source>A or B</source>
        <translation>A 级或 B 级</translation>
    </message>
    <message>
        <source>Same-style strictness</source>
        <translation>同款判定严格度</translation>
    </message>
    <message>
        <source>Left: group more loosely, right: only near-identical listings</source>
        <translation>向左：合并更宽松；向右：只合并几乎相同的商品</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>市场</translation>
    </message>
    <message>
        <source>Price ¥</source>
        <translation>价格 ¥</translation>
    </message>
    <message>
        <source>Max. min. order</source>
        <translation>起批量≤</translation>
    </message>
    <message>
        <source>Strictness</source>
        <translation>严格度</translation>
    </message>
    <message>
        <source>VVIC 搜款网</source>
        <translation>搜款网 VVIC</translation>
    </message>
    <message>
        <source>Taobao 淘宝</source>
        <translation>淘宝</translation>
    </message>
    <message>
        <source>VVIC via OneBound</source>
        <translation>搜款网（万邦接口）</translation>
    </message>
    <message>
        <source>Taobao via OneBound</source>
        <translation>淘宝（万邦接口）</translation>
    </message>
    <message>
        <source>1688 阿里巴巴</source>
        <translation>1688 阿里巴巴</translation>
    </message>
    <message>
        <source>Local library</source>
        <translation>本地图库</translation>
    </message>
    <message>
        <source>Dresses</source>
        <translation>连衣裙</translation>
    </message>
    <message>
        <source>Skirts</source>
        <translation>半身裙</translation>
    </message>
    <message>
        <source>T-shirts</source>
        <translation>T恤</translation>
    </message>
    <message>
        <source>Shirts</source>
        <translation>衬衫</translation>
    </message>
    <message>
        <source>Knitwear</source>
        <translation>毛衣针织</translation>
    </message>
    <message>
        <source>Coats and jackets</source>
        <translation>外套</translation>
    </message>
    <message>
        <source>Trousers</source>
        <translation>裤子</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部品类</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import photos</source>
        <translation>导入照片</translation>
    </message>
    <message>
        <source>Import stall photos into the local catalog</source>
        <translation>把档口照片导入本地图库</translation>
    </message>
    <message>
        <source>Choose a folder of photos of stall items. Prices and stall names come from a CSV file (columns: file, title, price, stall, market, position, min_order, note) or from file names like 档口_89_连衣裙.jpg. Photos already imported are updated.</source>
        <translation>选择一个档口商品照片文件夹。价格和档口名来自 CSV 文件（列：文件、标题、价格、档口、市场、位置、起批量、备注），或来自“档口_89_连衣裙.jpg”这样的文件名。已导入过的照片会更新信息。</translation>
    </message>
    <message>
        <source>Photo folder</source>
        <translation>照片文件夹</translation>
    </message>
    <message>
        <source>Price list (CSV, optional)</source>
        <translation>价格表（CSV，可选）</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>Photo folder:</source>
        <translation>照片文件夹：</translation>
    </message>
    <message>
        <source>Price list (CSV):</source>
        <translation>价格表（CSV）：</translation>
    </message>
    <message>
        <source>Skipped files</source>
        <translation>跳过的文件</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>价格表</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV 文件 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a photo folder first.</source>
        <translation>请先选择照片文件夹。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Imported {imported} new and updated {updated} photos; {skipped} skipped.</source>
        <translation>新导入 {imported} 张，更新 {updated} 张，跳过 {skipped} 个。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>IntakeStrip</name>
    <message>
        <source>Queued photos</source>
        <translation>待搜索的照片</translation>
    </message>
    <message>
        <source>Remove from the list</source>
        <translation>从列表中移除</translation>
    </message>
</context>
<context>
    <name>LibraryDelegate</name>
    <message numerus="yes">
        <source>%n change(s)</source>
        <translation>
            <numerusform>%n 处变化</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <source>{date} · {market} · {groups} styles · {offers} listings</source>
        <translation>{date} · {market} · {groups} 个款式 · {offers} 个商品</translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message>
        <source>Library</source>
        <translation>资料库</translation>
    </message>
    <message>
        <source>Saved searches</source>
        <translation>已保存的搜索</translation>
    </message>
    <message>
        <source>Filter by name, notes, tag, title or stall…</source>
        <translation>按名称、备注、标签、标题或档口筛选…</translation>
    </message>
    <message>
        <source>Filter saved searches</source>
        <translation>筛选已保存的搜索</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Name / keep…</source>
        <translation>命名 / 保留…</translation>
    </message>
    <message>
        <source>Notes and tags…</source>
        <translation>备注和标签…</translation>
    </message>
    <message>
        <source>Search again</source>
        <translation>重新搜索</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>No saved search matches “{text}”.</source>
        <translation>没有与“{text}”匹配的已保存搜索。</translation>
    </message>
    <message>
        <source>No saved searches yet. Each search is kept here (see Settings); name one with Ctrl+S to keep it for good.</source>
        <translation>还没有保存的搜索。每次搜索都会自动保存在这里（可在“设置”中关闭）；按 Ctrl+S 命名即可永久保留。</translation>
    </message>
    <message>
        <source>Name this search</source>
        <translation>为这次搜索命名</translation>
    </message>
    <message>
        <source>A named search is kept for good (empty: back to the history):</source>
        <translation>命名的搜索会一直保留（留空：放回历史记录）：</translation>
    </message>
    <message>
        <source>Saved search renamed.</source>
        <translation>已重命名。</translation>
    </message>
    <message>
        <source>Notes saved.</source>
        <translation>备注已保存。</translation>
    </message>
    <message>
        <source>Delete saved search</source>
        <translation>删除已保存的搜索</translation>
    </message>
    <message>
        <source>Delete “{title}” from the library? This cannot be undone.</source>
        <translation>从资料库删除“{title}”？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Deleted “{title}”.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>已导出到 {path}。</translation>
    </message>
    <message>
        <source>Searching again…</source>
        <translation>正在重新搜索…</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) since the last search.</source>
        <translation>
            <numerusform>与上次搜索相比有 %n 处变化。</numerusform>
        </translation>
    </message>
    <message>
        <source>Notes and tags</source>
        <translation>备注和标签</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>comma separated, e.g. spring, dresses</source>
        <translation>用逗号分隔，例如：春款, 连衣裙</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>VVIC Image Search</source>
        <translation>搜款图搜</translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <source>Search by image</source>
        <translation>以图搜款</translation>
    </message>
    <message>
        <source>Results appear here: one card per style, with its stalls and prices.</source>
        <translation>结果显示在这里：每个款式一张卡片，列出档口和价格。</translation>
    </message>
    <message>
        <source>Sort results by</source>
        <translation>结果排序方式</translation>
    </message>
    <message>
        <source>Most similar first</source>
        <translation>最相似优先</translation>
    </message>
    <message>
        <source>Best offer first</source>
        <translation>最优货源优先</translation>
    </message>
    <message>
        <source>Price, low to high</source>
        <translation>价格从低到高</translation>
    </message>
    <message>
        <source>Price, high to low</source>
        <translation>价格从高到低</translation>
    </message>
    <message>
        <source>Stall credit</source>
        <translation>档口信誉</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>销量</translation>
    </message>
    <message>
        <source>Most stalls</source>
        <translation>档口最多</translation>
    </message>
    <message>
        <source>Filter by title or stall…</source>
        <translation>按标题或档口筛选…</translation>
    </message>
    <message>
        <source>Filter results by text</source>
        <translation>按文字筛选结果</translation>
    </message>
    <message>
        <source>Wholesale market</source>
        <translation>批发市场</translation>
    </message>
    <message>
        <source>Only listings from one wholesale market</source>
        <translation>只看一个批发市场的商品</translation>
    </message>
    <message>
        <source>All markets</source>
        <translation>全部市场</translation>
    </message>
    <message>
        <source>Sort</source>
        <translation>排序</translation>
    </message>
    <message>
        <source>The photo this search was made with</source>
        <translation>这次搜索所用的照片</translation>
    </message>
    <message>
        <source>Search again</source>
        <translation>重新搜索</translation>
    </message>
    <message>
        <source>Run this saved search again and mark new listings and price changes</source>
        <translation>重新运行这次保存的搜索，并标出新商品和价格变化</translation>
    </message>
    <message>
        <source>Load more results</source>
        <translation>加载更多结果</translation>
    </message>
    <message>
        <source>Ask the marketplace for its next page of results: a paid call of your AppKey. The new listings join the styles shown.</source>
        <translation>向平台请求下一页结果：会占用 AppKey 的付费调用次数。新商品会并入已显示的同款分组。</translation>
    </message>
    <message>
        <source>Views</source>
        <translation>视图</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>资料库</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>批量</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open photos…</source>
        <translation>打开照片(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Paste photo</source>
        <translation>粘贴照片(&amp;P)</translation>
    </message>
    <message>
        <source>S&amp;ettings…</source>
        <translation>设置(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>导出(&amp;X)</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>搜索(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Search by image</source>
        <translation>以图搜款(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Auto crop</source>
        <translation>自动裁剪(&amp;A)</translation>
    </message>
    <message>
        <source>Compare stalls</source>
        <translation>档口比价</translation>
    </message>
    <message>
        <source>&amp;Save to library…</source>
        <translation>保存到资料库(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Export results (Excel, CSV, HTML)…</source>
        <translation>导出结果（Excel、CSV、HTML）(&amp;E)…</translation>
    </message>
    <message>
        <source>Export results as &amp;JSON…</source>
        <translation>导出结果为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Import stall photos…</source>
        <translation>导入档口照片(&amp;I)…</translation>
    </message>
    <message>
        <source>Export &amp;purchase list…</source>
        <translation>导出进货单(&amp;P)…</translation>
    </message>
    <message>
        <source>Garment category</source>
        <translation>服装品类</translation>
    </message>
    <message>
        <source>Only styles of one garment category</source>
        <translation>只看一个品类的款式</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Unexpected error ({kind}); details are in the log file.</source>
        <translation>出现意外错误（{kind}），详情见日志文件。</translation>
    </message>
</context>
<context>
    <name>PriceSpreadStrip</name>
    <message>
        <source>Price spread</source>
        <translation>价格分布</translation>
    </message>
    <message>
        <source>No prices to compare.</source>
        <translation>没有可比较的价格。</translation>
    </message>
    <message>
        <source>Lowest {low}, median {median}, highest {high}, best offer {best}.</source>
        <translation>最低 {low}，中位 {median}，最高 {high}，最优货源 {best}。</translation>
    </message>
    <message>
        <source>Lowest {price}</source>
        <translation>最低 {price}</translation>
    </message>
    <message>
        <source>Median {price}</source>
        <translation>中位 {price}</translation>
    </message>
    <message>
        <source>Highest {price}</source>
        <translation>最高 {price}</translation>
    </message>
    <message>
        <source>Best offer {price}</source>
        <translation>最优 {price}</translation>
    </message>
</context>
<context>
    <name>PurchaseView</name>
    <message>
        <source>Purchase list</source>
        <translation>进货单</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Export the purchase list</source>
        <translation>导出进货单</translation>
    </message>
    <message>
        <source>Excel to print, an HTML route sheet for the phone, or text per stall</source>
        <translation>可打印的 Excel、手机上看的 HTML 拿货路线，或按档口分开的文字</translation>
    </message>
    <message>
        <source>Copy for messaging</source>
        <translation>复制发给档口</translation>
    </message>
    <message>
        <source>Copy the list as text</source>
        <translation>把进货单复制为文字</translation>
    </message>
    <message>
        <source>Copy the selected stall (or every stall) as text, to send by WeChat</source>
        <translation>把选中的档口（或全部档口）复制为文字，用微信发送</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected line</source>
        <translation>移除选中的一行</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清空进货单</translation>
    </message>
    <message>
        <source>Clear the purchase list</source>
        <translation>清空进货单</translation>
    </message>
    <message>
        <source>Stalls and lines in walking order</source>
        <translation>按拿货路线排列的档口和货品</translation>
    </message>
    <message>
        <source>Stall / listing</source>
        <translation>档口 / 货品</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>单价</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Subtotal</source>
        <translation>小计</translation>
    </message>
    <message>
        <source>Min. order</source>
        <translation>起批量</translation>
    </message>
    <message>
        <source>Cheaper stall</source>
        <translation>更便宜的档口</translation>
    </message>
    <message>
        <source>The purchase list is empty. Right-click a result, a compared stall or a saved result and choose “Add to purchase list”.</source>
        <translation>进货单是空的。在搜索结果、档口比价或已保存的结果上点右键，选择“加入进货单”。</translation>
    </message>
    <message>
        <source>Purchase list (%1)</source>
        <translation>进货单 (%1)</translation>
    </message>
    <message>
        <source>Added to the purchase list: %1</source>
        <translation>已加入进货单：%1</translation>
    </message>
    <message>
        <source>Swapped to the cheaper stall.</source>
        <translation>已换到更便宜的档口。</translation>
    </message>
    <message>
        <source>Purchase list written to %1</source>
        <translation>进货单已导出到 %1</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
    <message>
        <source>purchase-list</source>
        <translation>进货单</translation>
    </message>
    <message>
        <source>Excel with pictures (*.xlsx);;Route sheet for the phone (*.html);;Text per stall (*.txt)</source>
        <translation>带图片的 Excel (*.xlsx);;手机拿货路线 (*.html);;按档口分开的文字 (*.txt)</translation>
    </message>
    <message>
        <source>Remove every line from the purchase list?</source>
        <translation>要清空进货单里的所有货品吗？</translation>
    </message>
    <message>
        <source>Colour, size …</source>
        <translation>颜色、尺码…</translation>
    </message>
    <message>
        <source>Note…</source>
        <translation>备注…</translation>
    </message>
    <message>
        <source>Swap to the cheaper stall</source>
        <translation>换到更便宜的档口</translation>
    </message>
    <message>
        <source>Copy this stall for messaging</source>
        <translation>复制这个档口的拿货单</translation>
    </message>
    <message>
        <source>The purchase list could not be changed ({kind}).</source>
        <translation>进货单没能修改（{kind}）。</translation>
    </message>
    <message>
        <source>%1 stalls · %2 lines · %3 pieces · total ¥%4</source>
        <translation>%1 个档口 · %2 款 · %3 件 · 合计 ¥%4</translation>
    </message>
    <message>
        <source>%1 below the minimum order</source>
        <translation>%1 款未达起批量</translation>
    </message>
    <message>
        <source>cheaper stalls could save ¥%1</source>
        <translation>换更便宜的档口可省 ¥%1</translation>
    </message>
    <message>
        <source>(unknown stall)</source>
        <translation>（未知档口）</translation>
    </message>
    <message>
        <source>credit %1</source>
        <translation>信誉 %1</translation>
    </message>
    <message>
        <source>mixing allowed</source>
        <translation>可混批</translation>
    </message>
    <message>
        <source>below minimum</source>
        <translation>未达起批量</translation>
    </message>
    <message>
        <source>Below the minimum order of %1</source>
        <translation>未达起批量 %1</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>%1 ¥%2 · save ¥%3</source>
        <translation>%1 ¥%2 · 省 ¥%3</translation>
    </message>
    <message>
        <source>Same style at %1 (%2), credit %3: swap this line to that stall</source>
        <translation>同款在 %1（%2），信誉 %3：把这一行换到那个档口</translation>
    </message>
</context>
<context>
    <name>ResultsDelegate</name>
    <message>
        <source>Loading picture…</source>
        <translation>正在加载图片…</translation>
    </message>
    <message>
        <source>No image</source>
        <translation>无图片</translation>
    </message>
    <message numerus="yes">
        <source>%n changed</source>
        <translation>
            <numerusform>%n 处变化</numerusform>
        </translation>
    </message>
    <message>
        <source>New</source>
        <translation>新</translation>
    </message>
    <message>
        <source>Price down</source>
        <translation>降价</translation>
    </message>
    <message>
        <source>Price up</source>
        <translation>涨价</translation>
    </message>
    <message numerus="yes">
        <source>%n stall(s)</source>
        <translation>
            <numerusform>%n 家档口</numerusform>
        </translation>
    </message>
    <message>
        <source>Credit {level}</source>
        <translation>信誉 {level}</translation>
    </message>
    <message>
        <source>{low}–{high}</source>
        <translation>{low}–{high}</translation>
    </message>
    <message>
        <source>Best {price} · {stall}</source>
        <translation>最优 {price} · {stall}</translation>
    </message>
    <message>
        <source>Median {price} · {n} in stock</source>
        <translation>中位 {price} · {n} 家有货</translation>
    </message>
    <message>
        <source>No. {art_no}</source>
        <translation>货号 {art_no}</translation>
    </message>
    <message>
        <source>Only one listing</source>
        <translation>仅此一家</translation>
    </message>
    <message>
        <source>▾ Collapse {n} listings</source>
        <translation>▾ 收起 {n} 个商品</translation>
    </message>
    <message>
        <source>▸ Show all {n} listings</source>
        <translation>▸ 展开全部 {n} 个商品</translation>
    </message>
    <message>
        <source>{percent}% match</source>
        <translation>相似度 {percent}%</translation>
    </message>
    <message>
        <source>Stock {n}</source>
        <translation>库存 {n}</translation>
    </message>
    <message>
        <source>Stock unknown</source>
        <translation>库存未知</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>无货</translation>
    </message>
    <message>
        <source>Min. order {n}</source>
        <translation>起批 {n} 件</translation>
    </message>
    <message>
        <source>Min. order unknown</source>
        <translation>起批量未知</translation>
    </message>
    <message>
        <source>{n} sold</source>
        <translation>已售 {n}</translation>
    </message>
    <message>
        <source>Picture unavailable</source>
        <translation>图片不可用</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message numerus="yes">
        <source>%n stall(s), {low} to {high}</source>
        <translation>
            <numerusform>%n 家档口，{low} 至 {high}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>No results yet. Drop a photo and press Search.</source>
        <translation>还没有结果。拖入照片后按“以图搜款”。</translation>
    </message>
    <message>
        <source>This listing has no web link.</source>
        <translation>这个商品没有网页链接。</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Open listing in browser</source>
        <translation>在浏览器中打开商品</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>复制链接</translation>
    </message>
    <message>
        <source>Copy title</source>
        <translation>复制标题</translation>
    </message>
    <message>
        <source>Copy stall</source>
        <translation>复制档口</translation>
    </message>
    <message>
        <source>Collapse group</source>
        <translation>收起该款</translation>
    </message>
    <message>
        <source>Expand group</source>
        <translation>展开该款</translation>
    </message>
    <message>
        <source>Compare stalls side by side</source>
        <translation>并排比较档口</translation>
    </message>
    <message>
        <source>Find similar (search by this picture)…</source>
        <translation>找相似（用这张商品图搜索）…</translation>
    </message>
    <message>
        <source>Remove from shortlist</source>
        <translation>取消收藏</translation>
    </message>
    <message>
        <source>★ Shortlist this listing</source>
        <translation>★ 收藏这个商品</translation>
    </message>
    <message>
        <source>Note on this listing…</source>
        <translation>给这个商品写备注…</translation>
    </message>
    <message numerus="yes">
        <source>No result matches the filters. Clear the filter text or widen the price, market or category to see the %n style(s) found.</source>
        <translation>
            <numerusform>没有符合筛选条件的结果。清除筛选文字，或放宽价格、市场或类别，即可看到已找到的 %n 个款式。</numerusform>
        </translation>
    </message>
    <message>
        <source>Add to purchase list</source>
        <translation>加入进货单</translation>
    </message>
</context>
<context>
    <name>SavedSearchActions</name>
    <message>
        <source>Saved to the library as “{name}”.</source>
        <translation>已保存到资料库，名为“{name}”。</translation>
    </message>
    <message>
        <source>Nothing to save yet: search first.</source>
        <translation>还没有可保存的结果：请先搜索。</translation>
    </message>
    <message>
        <source>Save to library</source>
        <translation>保存到资料库</translation>
    </message>
    <message>
        <source>Name (a named search is kept for good):</source>
        <translation>名称（命名的搜索会一直保留）：</translation>
    </message>
    <message>
        <source>Saved search · {date} · {name}</source>
        <translation>已保存的搜索 · {date} · {name}</translation>
    </message>
    <message>
        <source>{offers} listings in {groups} styles (saved).</source>
        <translation>{offers} 个商品，{groups} 个款式（已保存）。</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) since the last search.</source>
        <translation>
            <numerusform>与上次搜索相比有 %n 处变化。</numerusform>
        </translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Note on “{title}”:</source>
        <translation>“{title}”的备注：</translation>
    </message>
    <message>
        <source>Save the search first (Ctrl+S) to mark listings.</source>
        <translation>请先保存这次搜索（Ctrl+S），再标记商品。</translation>
    </message>
    <message>
        <source>Nothing to export yet: search first.</source>
        <translation>还没有可导出的结果：请先搜索。</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>已导出到 {path}。</translation>
    </message>
    <message>
        <source>Save results</source>
        <translation>保存结果</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Saved to {path}.</source>
        <translation>已保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>SearchController</name>
    <message>
        <source>Drop or open a photo first.</source>
        <translation>请先拖入或打开一张照片。</translation>
    </message>
    <message>
        <source>Searching {market}…</source>
        <translation>正在搜索 {market}…</translation>
    </message>
    <message>
        <source>The listing's picture could not be fetched.</source>
        <translation>无法获取这个商品的图片。</translation>
    </message>
    <message>
        <source>This search uses one call of your AppKey: {left} of {quota} left this minute.</source>
        <translation>这次搜索会用掉 AppKey 的一次调用：本分钟还剩 {left}/{quota} 次。</translation>
    </message>
    <message>
        <source>This search uses one call.</source>
        <translation>这次搜索会用掉一次接口调用。</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>找相似</translation>
    </message>
    <message>
        <source>Search {market} for listings like “{title}”?</source>
        <translation>在{market}搜索与“{title}”相似的商品？</translation>
    </message>
    <message>
        <source>Like: {title}</source>
        <translation>相似：{title}</translation>
    </message>
    <message>
        <source>Search cancelled.</source>
        <translation>已取消搜索。</translation>
    </message>
    <message numerus="yes">
        <source>Load more (uses %n API call(s))</source>
        <translation>
            <numerusform>加载更多（用 %n 次调用）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Load more (uses %n API call(s); {left} of {quota} left this minute)</source>
        <translation>
            <numerusform>加载更多（用 %n 次调用；本分钟剩 {left}/{quota} 次）</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading more results…</source>
        <translation>正在加载更多结果…</translation>
    </message>
    <message numerus="yes">
        <source>%n more listing(s) loaded: {offers} listings in {groups} styles.</source>
        <translation>
            <numerusform>又加载了 %n 条商品：共 {offers} 条商品，{groups} 个款式。</numerusform>
        </translation>
    </message>
    <message>
        <source>That was the marketplace's last page.</source>
        <translation>这是平台的最后一页。</translation>
    </message>
    <message>
        <source>They could not be added to the saved search (see the log); they are shown here only.</source>
        <translation>未能把它们加入已保存的搜索（详见日志），仅在此处显示。</translation>
    </message>
    <message>
        <source>from saved results</source>
        <translation>来自已保存的结果</translation>
    </message>
    <message numerus="yes">
        <source>%n API call(s)</source>
        <translation>
            <numerusform>调用接口 %n 次</numerusform>
        </translation>
    </message>
    <message>
        <source>{offers} listings in {groups} styles ({origin}).</source>
        <translation>{offers} 个商品，{groups} 个款式（{origin}）。</translation>
    </message>
    <message>
        <source>All markets</source>
        <translation>全部市场</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>OneBound result language</source>
        <translation>万邦结果语言</translation>
    </message>
    <message>
        <source>Follow the interface language</source>
        <translation>跟随界面语言</translation>
    </message>
    <message>
        <source>OneBound titles in:</source>
        <translation>万邦商品标题语言：</translation>
    </message>
    <message>
        <source>Set {variables} instead</source>
        <translation>请改为设置 {variables}</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>访问令牌</translation>
    </message>
    <message>
        <source>Access token:</source>
        <translation>访问令牌（access_token）：</translation>
    </message>
    <message>
        <source>1688 searches act for a 1688 member: authorise this app with your 1688 account on open.1688.com and paste the access_token here. It expires; when 1688 says so, authorise again and paste the new one.</source>
        <translation>1688 搜索以 1688 会员的身份进行：请用你的 1688 账号在 open.1688.com 为这个应用授权，把得到的 access_token 粘贴到这里。令牌会过期；1688 提示过期时，请重新授权并粘贴新的令牌。</translation>
    </message>
    <message>
        <source>VVIC open platform (optional: stall details)</source>
        <translation>搜款网开放平台（可选：档口详情）</translation>
    </message>
    <message>
        <source>Open platform App ID</source>
        <translation>开放平台 App ID</translation>
    </message>
    <message>
        <source>Open platform secret</source>
        <translation>开放平台密钥</translation>
    </message>
    <message>
        <source>App ID:</source>
        <translation>App ID：</translation>
    </message>
    <message>
        <source>Secret:</source>
        <translation>密钥：</translation>
    </message>
    <message>
        <source>With an app of VVIC's open platform (api.vvic.com), VVIC results also show the stall's market, floor and stall number. Each lookup of up to 20 listings uses one call of the quota; looked-up stalls are kept for a day. Leave empty to skip.</source>
        <translation>填写搜款网开放平台（api.vvic.com）应用的 App ID 和密钥后，VVIC 的结果还会显示档口所在市场、楼层和档口号。每查询最多 20 个商品占用一次调用额度；查到的档口信息保留一天。不需要可留空。</translation>
    </message>
    <message>
        <source>VVIC open platform: enter both the App ID and its secret</source>
        <translation>搜款网开放平台：请同时填写 App ID 和对应的密钥</translation>
    </message>
    <message>
        <source>Saved; paste a new token to replace it</source>
        <translation>已保存；粘贴新令牌可替换</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Marketplaces</source>
        <translation>批发平台</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Problem with the settings</source>
        <translation>设置有问题</translation>
    </message>
    <message>
        <source>Secure storage status</source>
        <translation>安全存储状态</translation>
    </message>
    <message>
        <source>Secrets are kept in the system keyring ({backend}).</source>
        <translation>密钥保存在系统钥匙串中（{backend}）。</translation>
    </message>
    <message>
        <source>No secure keyring is available: {reason}. Secrets cannot be saved here and are never written to a plain file: set the environment variables shown below, or install and unlock a keyring (GNOME Keyring, KWallet).</source>
        <translation>没有可用的安全钥匙串：{reason}。密钥无法在这里保存，也绝不会写入明文文件：请设置下面列出的环境变量，或安装并解锁钥匙串（GNOME Keyring、KWallet）。</translation>
    </message>
    <message>
        <source>Marketplace</source>
        <translation>批发平台</translation>
    </message>
    <message>
        <source>Marketplace:</source>
        <translation>批发平台：</translation>
    </message>
    <message>
        <source>no keyring backend is installed</source>
        <translation>没有安装任何钥匙串后端</translation>
    </message>
    <message>
        <source>no secret service is running</source>
        <translation>没有运行中的密钥服务</translation>
    </message>
    <message>
        <source>the keyring is switched off</source>
        <translation>钥匙串已被关闭</translation>
    </message>
    <message>
        <source>the keyring backend {name} would keep secrets in plain text</source>
        <translation>钥匙串后端 {name} 会以明文保存密钥</translation>
    </message>
    <message>
        <source>AppKey</source>
        <translation>AppKey</translation>
    </message>
    <message>
        <source>App secret</source>
        <translation>App 密钥</translation>
    </message>
    <message>
        <source>Set {key} and {secret} instead</source>
        <translation>请改为设置 {key} 和 {secret}</translation>
    </message>
    <message>
        <source>Reading the keyring…</source>
        <translation>正在读取钥匙串…</translation>
    </message>
    <message>
        <source>AppKey:</source>
        <translation>AppKey：</translation>
    </message>
    <message>
        <source>App secret:</source>
        <translation>App 密钥：</translation>
    </message>
    <message>
        <source>Both OneBound routes share one AppKey and secret.</source>
        <translation>两个万邦接口共用同一个 AppKey 和密钥。</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>接口地址</translation>
    </message>
    <message>
        <source>Production ({url})</source>
        <translation>正式环境（{url}）</translation>
    </message>
    <message>
        <source>Production endpoint</source>
        <translation>正式环境地址</translation>
    </message>
    <message>
        <source>Sandbox ({url})</source>
        <translation>沙箱（{url}）</translation>
    </message>
    <message>
        <source>Sandbox endpoint</source>
        <translation>沙箱地址</translation>
    </message>
    <message>
        <source>Sandbox (this service has none)</source>
        <translation>沙箱（该平台没有）</translation>
    </message>
    <message>
        <source>Custom address:</source>
        <translation>自定义地址：</translation>
    </message>
    <message>
        <source>Custom endpoint</source>
        <translation>自定义地址</translation>
    </message>
    <message>
        <source>Custom endpoint address</source>
        <translation>自定义接口地址</translation>
    </message>
    <message>
        <source>Call quota</source>
        <translation>调用额度</translation>
    </message>
    <message>
        <source>{n} calls per minute</source>
        <translation>每分钟 {n} 次</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Custom calls per minute</source>
        <translation>自定义每分钟次数</translation>
    </message>
    <message>
        <source> per minute</source>
        <translation> 次/分钟</translation>
    </message>
    <message>
        <source>Quota tier:</source>
        <translation>额度档位：</translation>
    </message>
    <message>
        <source>The number of calls per minute your AppKey allows.</source>
        <translation>你的 AppKey 每分钟允许调用的次数。</translation>
    </message>
    <message>
        <source>Key from the environment</source>
        <translation>来自环境变量的密钥</translation>
    </message>
    <message>
        <source>{key} and {secret} are set in the environment: that AppKey is used when the keyring holds none for this marketplace.</source>
        <translation>环境变量中设置了 {key} 和 {secret}：系统密钥库里没有这个市场的 AppKey 时，就使用它。</translation>
    </message>
    <message>
        <source>Cache lifetime</source>
        <translation>缓存时长</translation>
    </message>
    <message>
        <source> hours</source>
        <translation> 小时</translation>
    </message>
    <message>
        <source>How long a search result is reused for the same photo; 0 turns it off.</source>
        <translation>同一张照片的搜索结果可以重复使用多久；0 表示关闭缓存。</translation>
    </message>
    <message>
        <source>Reuse a search of the same photo for:</source>
        <translation>同一张照片的搜索结果复用：</translation>
    </message>
    <message>
        <source>Keep every search in the library</source>
        <translation>每次搜索都保存到资料库</translation>
    </message>
    <message>
        <source>Unnamed searches are kept up to the library's limit, oldest dropped first; name one (Ctrl+S) to keep it for good.</source>
        <translation>未命名的搜索最多保留到资料库上限，最早的先删除；用 Ctrl+S 命名即可永久保留。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>A new language takes effect after a restart.</source>
        <translation>新语言在重启后生效。</translation>
    </message>
    <message>
        <source>Allow image addresses on the local network (LAN)</source>
        <translation>允许局域网（LAN）内的图片地址</translation>
    </message>
    <message>
        <source>Allow LAN image hosts</source>
        <translation>允许局域网图片地址</translation>
    </message>
    <message>
        <source>Off by default: a web page could otherwise make the app probe your network.</source>
        <translation>默认关闭：否则网页可能借助本软件探测你的内网。</translation>
    </message>
    <message>
        <source>HTTP proxy</source>
        <translation>HTTP 代理</translation>
    </message>
    <message>
        <source>Empty: use the system proxy</source>
        <translation>留空：使用系统代理</translation>
    </message>
    <message>
        <source>HTTP(S) proxy:</source>
        <translation>HTTP(S) 代理：</translation>
    </message>
    <message>
        <source>Results per search</source>
        <translation>每次搜索的结果数</translation>
    </message>
    <message>
        <source>Results per search:</source>
        <translation>每次搜索结果数：</translation>
    </message>
    <message>
        <source>{market}: enter the custom address or pick another endpoint</source>
        <translation>{market}：请填写自定义地址，或选择其他接口地址</translation>
    </message>
    <message>
        <source>{market}: enter the secret that belongs to the new AppKey</source>
        <translation>{market}：请填写新 AppKey 对应的密钥</translation>
    </message>
    <message>
        <source>{market}: enter the AppKey for this secret</source>
        <translation>{market}：请填写与该密钥对应的 AppKey</translation>
    </message>
    <message>
        <source>Saved; type a new secret to replace it</source>
        <translation>已保存；输入新密钥可替换</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>The keyring could not be read ({kind}).</source>
        <translation>无法读取钥匙串（{kind}）。</translation>
    </message>
    <message>
        <source>the keyring is still being read; try again</source>
        <translation>钥匙串仍在读取中，请稍后再试</translation>
    </message>
    <message>
        <source>Saving failed ({kind}).</source>
        <translation>保存失败（{kind}）。</translation>
    </message>
</context>
<context>
    <name>StatusArea</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the search</source>
        <translation>取消搜索</translation>
    </message>
    <message>
        <source>DEMO DATA</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <source>Results come from the built-in demo marketplace, not a real one</source>
        <translation>结果来自内置的演示市场，不是真实平台</translation>
    </message>
    <message>
        <source>Drop a photo of a garment to start.</source>
        <translation>拖入一张服装照片开始。</translation>
    </message>
    <message>
        <source>Local catalog: offline, no quota</source>
        <translation>本地图库：离线，不占额度</translation>
    </message>
    <message>
        <source>No AppKey</source>
        <translation>未配置 AppKey</translation>
    </message>
    <message>
        <source>Quota {left}/{quota} per min</source>
        <translation>本分钟额度 {left}/{quota}</translation>
    </message>
    <message>
        <source>Preparing the photo…</source>
        <translation>正在处理照片…</translation>
    </message>
    <message>
        <source>Looking in saved results…</source>
        <translation>正在查找已保存的结果…</translation>
    </message>
    <message>
        <source>Waiting for the call quota…</source>
        <translation>正在等待调用额度…</translation>
    </message>
    <message>
        <source>Asking the marketplace…</source>
        <translation>正在请求平台…</translation>
    </message>
    <message>
        <source>The marketplace had a hiccup; trying again…</source>
        <translation>平台暂时出错，正在重试…</translation>
    </message>
    <message>
        <source>Trying again in {seconds} s… (Cancel stops the wait)</source>
        <translation>{seconds} 秒后重试…（可按“取消”停止等待）</translation>
    </message>
    <message>
        <source>Fetching listing pictures…</source>
        <translation>正在下载商品图片…</translation>
    </message>
    <message>
        <source>Grouping the same styles…</source>
        <translation>正在合并同款…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Fetching listing pictures: {done} of {total}…</source>
        <translation>正在下载商品图片：第 {done} 张，共 {total} 张…</translation>
    </message>
    <message>
        <source>Search cancelled.</source>
        <translation>已取消搜索。</translation>
    </message>
</context>
</TS>