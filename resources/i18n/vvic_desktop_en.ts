<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
<context>
    <name>App</name>
    <message>
        <source>VVIC Image Search</source>
        <translation>VVIC Image Search</translation>
    </message>
</context>
<context>
    <name>BatchModel</name>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>Styles found</source>
        <translation>Styles found</translation>
    </message>
    <message>
        <source>Cheapest</source>
        <translation>Cheapest</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>queued</translation>
    </message>
    <message>
        <source>searching</source>
        <translation>searching</translation>
    </message>
    <message>
        <source>done</source>
        <translation>done</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>failed</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>duplicate</translation>
    </message>
    <message>
        <source>Same photo as another in this batch: searched once.</source>
        <translation>Same photo as another in this batch: searched once.</translation>
    </message>
    <message>
        <source>The lowest price of the style most like the photo</source>
        <translation>The lowest price of the style most like the photo</translation>
    </message>
    <message>
        <source>Double-click to open the result</source>
        <translation>Double-click to open the result</translation>
    </message>
</context>
<context>
    <name>BatchView</name>
    <message>
        <source>Batch search</source>
        <translation>Batch search</translation>
    </message>
    <message>
        <source>Add photos…</source>
        <translation>Add photos…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>Add folder…</translation>
    </message>
    <message>
        <source>Marketplace for the batch</source>
        <translation>Marketplace for the batch</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>Retry failed</translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation>Export to Excel…</translation>
    </message>
    <message>
        <source>Photos in the batch</source>
        <translation>Photos in the batch</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>Market</translation>
    </message>
    <message>
        <source>Local library</source>
        <translation>Local library</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) ready; press Start.</source>
        <translation>
            <numerusform>%n photo ready; press Start.</numerusform>
            <numerusform>%n photos ready; press Start.</numerusform>
        </translation>
    </message>
    <message>
        <source>Add photos</source>
        <translation>Add photos</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif)</source>
        <translation>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif)</translation>
    </message>
    <message>
        <source>Add a folder of photos</source>
        <translation>Add a folder of photos</translation>
    </message>
    <message>
        <source>Batch {time}</source>
        <translation>Batch {time}</translation>
    </message>
    <message>
        <source>Pausing after the searches under way…</source>
        <translation>Pausing after the searches under way…</translation>
    </message>
    <message>
        <source>Cancelling; photos not yet searched stay queued.</source>
        <translation>Cancelling; photos not yet searched stay queued.</translation>
    </message>
    <message>
        <source>An unfinished batch was found; press Start to resume it.</source>
        <translation>An unfinished batch was found; press Start to resume it.</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) added.</source>
        <translation>
            <numerusform>%n photo added.</numerusform>
            <numerusform>%n photos added.</numerusform>
        </translation>
    </message>
    <message>
        <source>Add photos or folders (or drop them here), choose the marketplace, then Start. Up to the AppKey's quota per minute is used, never more; the same photo twice costs one call; a closed app resumes where it stopped.</source>
        <translation>Add photos or folders (or drop them here), choose the marketplace, then Start. Up to the AppKey's quota per minute is used, never more; the same photo twice costs one call; a closed app resumes where it stopped.</translation>
    </message>
    <message>
        <source>{done} of {total} photos · {failed} failed · {state}</source>
        <translation>{done} of {total} photos · {failed} failed · {state}</translation>
    </message>
    <message>
        <source>about {minutes} min left at {quota} calls/min</source>
        <translation>about {minutes} min left at {quota} calls/min</translation>
    </message>
    <message>
        <source>{used} of {quota} calls used this minute</source>
        <translation>{used} of {quota} calls used this minute</translation>
    </message>
    <message>
        <source>running</source>
        <translation>running</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>paused</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>finished</source>
        <translation>finished</translation>
    </message>
    <message>
        <source>Export the batch</source>
        <translation>Export the batch</translation>
    </message>
    <message>
        <source>Excel (*.xlsx);;CSV (*.csv);;HTML (*.html)</source>
        <translation>Excel (*.xlsx);;CSV (*.csv);;HTML (*.html)</translation>
    </message>
    <message>
        <source>Batch exported to {path}.</source>
        <translation>Batch exported to {path}.</translation>
    </message>
</context>
<context>
    <name>CompareModel</name>
    <message>
        <source>Picture</source>
        <translation>Picture</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>Stock</translation>
    </message>
    <message>
        <source>Min. order</source>
        <translation>Min. order</translation>
    </message>
    <message>
        <source>Credit</source>
        <translation>Credit</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>Market</translation>
    </message>
    <message>
        <source>Stall position</source>
        <translation>Stall position</translation>
    </message>
    <message>
        <source>Stall</source>
        <translation>Stall</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>Sales</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>Similarity</translation>
    </message>
    <message>
        <source>{low}–{high}</source>
        <translation>{low}–{high}</translation>
    </message>
    <message>
        <source>{price} (best offer)</source>
        <translation>{price} (best offer)</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>Out of stock</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>No image</source>
        <translation>No image</translation>
    </message>
    <message>
        <source>Picture unavailable</source>
        <translation>Picture unavailable</translation>
    </message>
</context>
<context>
    <name>CompareView</name>
    <message>
        <source>Compare stalls</source>
        <translation>Compare stalls</translation>
    </message>
    <message>
        <source>Offers of this style</source>
        <translation>Offers of this style</translation>
    </message>
    <message>
        <source>Find similar (search by this picture)…</source>
        <translation>Find similar (search by this picture)…</translation>
    </message>
    <message>
        <source>No style selected</source>
        <translation>No style selected</translation>
    </message>
    <message>
        <source>Right-click a result and choose “Compare stalls side by side”.</source>
        <translation>Right-click a result and choose “Compare stalls side by side”.</translation>
    </message>
    <message numerus="yes">
        <source>%n stall(s) · {listings} listings · {in_stock} in stock · {low} to {high}</source>
        <translation>
            <numerusform>%n stall · {listings} listings · {in_stock} in stock · {low} to {high}</numerusform>
            <numerusform>%n stalls · {listings} listings · {in_stock} in stock · {low} to {high}</numerusform>
        </translation>
    </message>
    <message>
        <source>This listing has no web link.</source>
        <translation>This listing has no web link.</translation>
    </message>
    <message>
        <source>Add to purchase list</source>
        <translation>Add to purchase list</translation>
    </message>
</context>
<context>
    <name>CropTool</name>
    <message>
        <source>Crop the garment</source>
        <translation>Crop the garment</translation>
    </message>
    <message>
        <source>Photo and crop rectangle</source>
        <translation>Photo and crop rectangle</translation>
    </message>
    <message>
        <source>Auto crop</source>
        <translation>Auto crop</translation>
    </message>
    <message>
        <source>Find the garment and crop to it (Ctrl+R)</source>
        <translation>Find the garment and crop to it (Ctrl+R)</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>Reset</translation>
    </message>
    <message>
        <source>Reset the crop</source>
        <translation>Reset the crop</translation>
    </message>
    <message>
        <source>Use the whole photo</source>
        <translation>Use the whole photo</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Fit</translation>
    </message>
    <message>
        <source>Fit the photo in the view</source>
        <translation>Fit the photo in the view</translation>
    </message>
    <message>
        <source>Loading the photo…</source>
        <translation>Loading the photo…</translation>
    </message>
    <message>
        <source>Open a photo first.</source>
        <translation>Open a photo first.</translation>
    </message>
    <message>
        <source>Looking for the garment…</source>
        <translation>Looking for the garment…</translation>
    </message>
    <message>
        <source>No garment stood out clearly; the whole photo will be searched.</source>
        <translation>No garment stood out clearly; the whole photo will be searched.</translation>
    </message>
    <message>
        <source>Whole photo, {w} × {h} px</source>
        <translation>Whole photo, {w} × {h} px</translation>
    </message>
    <message>
        <source>Crop {w} × {h} px at ({x}, {y})</source>
        <translation>Crop {w} × {h} px at ({x}, {y})</translation>
    </message>
</context>
<context>
    <name>DropArea</name>
    <message>
        <source>an embedded picture larger than 20 MB</source>
        <translation>an embedded picture larger than 20 MB</translation>
    </message>
    <message>
        <source>“{name}” cannot be found or read and was skipped.</source>
        <translation>“{name}” cannot be found or read and was skipped.</translation>
    </message>
    <message>
        <source>Drop photos here</source>
        <translation>Drop photos here</translation>
    </message>
    <message>
        <source>Drop photos, folders or image addresses here</source>
        <translation>Drop photos, folders or image addresses here</translation>
    </message>
    <message>
        <source>Open photos…</source>
        <translation>Open photos…</translation>
    </message>
    <message>
        <source>Open photos</source>
        <translation>Open photos</translation>
    </message>
    <message>
        <source>Choose photos from a folder (Ctrl+O)</source>
        <translation>Choose photos from a folder (Ctrl+O)</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>Paste</translation>
    </message>
    <message>
        <source>Paste a photo</source>
        <translation>Paste a photo</translation>
    </message>
    <message>
        <source>Paste a copied picture or image address (Ctrl+V)</source>
        <translation>Paste a copied picture or image address (Ctrl+V)</translation>
    </message>
    <message>
        <source>Not added: {items}. Only image files, folders and web (http/https) image addresses can be dropped.</source>
        <translation>Not added: {items}. Only image files, folders and web (http/https) image addresses can be dropped.</translation>
    </message>
    <message>
        <source>Nothing to add: drop image files, folders or image addresses.</source>
        <translation>Nothing to add: drop image files, folders or image addresses.</translation>
    </message>
    <message>
        <source>Only the first {n} photos were added (at most {depth} folder levels deep).</source>
        <translation>Only the first {n} photos were added (at most {depth} folder levels deep).</translation>
    </message>
    <message>
        <source>{n} item(s) were skipped: not regular image files.</source>
        <translation>{n} item(s) were skipped: not regular image files.</translation>
    </message>
    <message>
        <source>No photos found in what was dropped.</source>
        <translation>No photos found in what was dropped.</translation>
    </message>
    <message>
        <source>Only the first {n} image addresses are downloaded.</source>
        <translation>Only the first {n} image addresses are downloaded.</translation>
    </message>
    <message>
        <source>The clipboard holds no picture or image address.</source>
        <translation>The clipboard holds no picture or image address.</translation>
    </message>
    <message>
        <source>Pasted picture {time}</source>
        <translation>Pasted picture {time}</translation>
    </message>
    <message>
        <source>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif);;All files (*)</source>
        <translation>Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.heic *.heif);;All files (*)</translation>
    </message>
    <message>
        <source>Adding photos…</source>
        <translation>Adding photos…</translation>
    </message>
    <message>
        <source>A photo could not be added ({kind}).</source>
        <translation>A photo could not be added ({kind}).</translation>
    </message>
</context>
<context>
    <name>FilterBar</name>
    <message>
        <source>Marketplace</source>
        <translation>Marketplace</translation>
    </message>
    <message>
        <source>Lowest price</source>
        <translation>Lowest price</translation>
    </message>
    <message>
        <source>Highest price</source>
        <translation>Highest price</translation>
    </message>
    <message>
        <source>any</source>
        <translation>any</translation>
    </message>
    <message>
        <source>Largest minimum order</source>
        <translation>Largest minimum order</translation>
    </message>
    <message>
        <source>Only listings whose minimum order is at most this</source>
        <translation>Only listings whose minimum order is at most this</translation>
    </message>
    <message>
        <source>In stock</source>
        <translation>In stock</translation>
    </message>
    <message>
        <source>Only listings in stock</source>
        <translation>Only listings in stock</translation>
    </message>
    <message>
        <source>Stall credit level</source>
        <translation>Stall credit level</translation>
    </message>
    <message>
        <source>Any credit</source>
        <translation>Any credit</translation>
    </message>
    <message>
        <source>A only</source>
        <translation>A only</translation>
    </message>
    <message>
        <source>A or B</source>
        <translation>A or B</translation>
    </message>
    <message>
        <source>Same-style strictness</source>
        <translation>Same-style strictness</translation>
    </message>
    <message>
        <source>Left: group more loosely, right: only near-identical listings</source>
        <translation>Left: group more loosely, right: only near-identical listings</translation>
    </message>
    <message>
        <source>Market</source>
        <translation>Market</translation>
    </message>
    <message>
        <source>Price ¥</source>
        <translation>Price ¥</translation>
    </message>
    <message>
        <source>Max. min. order</source>
        <translation>Max. min. order</translation>
    </message>
    <message>
        <source>Strictness</source>
        <translation>Strictness</translation>
    </message>
    <message>
        <source>VVIC 搜款网</source>
        <translation>VVIC 搜款网</translation>
    </message>
    <message>
        <source>Taobao 淘宝</source>
        <translation>Taobao 淘宝</translation>
    </message>
    <message>
        <source>VVIC via OneBound</source>
        <translation>VVIC via OneBound</translation>
    </message>
    <message>
        <source>Taobao via OneBound</source>
        <translation>Taobao via OneBound</translation>
    </message>
    <message>
        <source>1688 阿里巴巴</source>
        <translation>1688 阿里巴巴</translation>
    </message>
    <message>
        <source>Local library</source>
        <translation>Local library</translation>
    </message>
    <message>
        <source>Dresses</source>
        <translation>Dresses</translation>
    </message>
    <message>
        <source>Skirts</source>
        <translation>Skirts</translation>
    </message>
    <message>
        <source>T-shirts</source>
        <translation>T-shirts</translation>
    </message>
    <message>
        <source>Shirts</source>
        <translation>Shirts</translation>
    </message>
    <message>
        <source>Knitwear</source>
        <translation>Knitwear</translation>
    </message>
    <message>
        <source>Coats and jackets</source>
        <translation>Coats and jackets</translation>
    </message>
    <message>
        <source>Trousers</source>
        <translation>Trousers</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>All categories</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Import photos</source>
        <translation>Import photos</translation>
    </message>
    <message>
        <source>Import stall photos into the local catalog</source>
        <translation>Import stall photos into the local catalog</translation>
    </message>
    <message>
        <source>Choose a folder of photos of stall items. Prices and stall names come from a CSV file (columns: file, title, price, stall, market, position, min_order, note) or from file names like 档口_89_连衣裙.jpg. Photos already imported are updated.</source>
        <translation>Choose a folder of photos of stall items. Prices and stall names come from a CSV file (columns: file, title, price, stall, market, position, min_order, note) or from file names like 档口_89_连衣裙.jpg. Photos already imported are updated.</translation>
    </message>
    <message>
        <source>Photo folder</source>
        <translation>Photo folder</translation>
    </message>
    <message>
        <source>Price list (CSV, optional)</source>
        <translation>Price list (CSV, optional)</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>optional</translation>
    </message>
    <message>
        <source>Photo folder:</source>
        <translation>Photo folder:</translation>
    </message>
    <message>
        <source>Price list (CSV):</source>
        <translation>Price list (CSV):</translation>
    </message>
    <message>
        <source>Skipped files</source>
        <translation>Skipped files</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>Price list</source>
        <translation>Price list</translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation>CSV files (*.csv);;All files (*)</translation>
    </message>
    <message>
        <source>Choose a photo folder first.</source>
        <translation>Choose a photo folder first.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Importing…</source>
        <translation>Importing…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Imported {imported} new and updated {updated} photos; {skipped} skipped.</source>
        <translation>Imported {imported} new and updated {updated} photos; {skipped} skipped.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Cancelling…</translation>
    </message>
</context>
<context>
    <name>IntakeStrip</name>
    <message>
        <source>Queued photos</source>
        <translation>Queued photos</translation>
    </message>
    <message>
        <source>Remove from the list</source>
        <translation>Remove from the list</translation>
    </message>
</context>
<context>
    <name>LibraryDelegate</name>
    <message numerus="yes">
        <source>%n change(s)</source>
        <translation>
            <numerusform>%n change</numerusform>
            <numerusform>%n changes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LibraryModel</name>
    <message>
        <source>{date} · {market} · {groups} styles · {offers} listings</source>
        <translation>{date} · {market} · {groups} styles · {offers} listings</translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message>
        <source>Library</source>
        <translation>Library</translation>
    </message>
    <message>
        <source>Saved searches</source>
        <translation>Saved searches</translation>
    </message>
    <message>
        <source>Filter by name, notes, tag, title or stall…</source>
        <translation>Filter by name, notes, tag, title or stall…</translation>
    </message>
    <message>
        <source>Filter saved searches</source>
        <translation>Filter saved searches</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Name / keep…</source>
        <translation>Name / keep…</translation>
    </message>
    <message>
        <source>Notes and tags…</source>
        <translation>Notes and tags…</translation>
    </message>
    <message>
        <source>Search again</source>
        <translation>Search again</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Delete…</translation>
    </message>
    <message>
        <source>No saved search matches “{text}”.</source>
        <translation>No saved search matches “{text}”.</translation>
    </message>
    <message>
        <source>No saved searches yet. Each search is kept here (see Settings); name one with Ctrl+S to keep it for good.</source>
        <translation>No saved searches yet. Each search is kept here (see Settings); name one with Ctrl+S to keep it for good.</translation>
    </message>
    <message>
        <source>Name this search</source>
        <translation>Name this search</translation>
    </message>
    <message>
        <source>A named search is kept for good (empty: back to the history):</source>
        <translation>A named search is kept for good (empty: back to the history):</translation>
    </message>
    <message>
        <source>Saved search renamed.</source>
        <translation>Saved search renamed.</translation>
    </message>
    <message>
        <source>Notes saved.</source>
        <translation>Notes saved.</translation>
    </message>
    <message>
        <source>Delete saved search</source>
        <translation>Delete saved search</translation>
    </message>
    <message>
        <source>Delete “{title}” from the library? This cannot be undone.</source>
        <translation>Delete “{title}” from the library? This cannot be undone.</translation>
    </message>
    <message>
        <source>Deleted “{title}”.</source>
        <translation>Deleted “{title}”.</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>Exported to {path}.</translation>
    </message>
    <message>
        <source>Searching again…</source>
        <translation>Searching again…</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) since the last search.</source>
        <translation>
            <numerusform>%n change since the last search.</numerusform>
            <numerusform>%n changes since the last search.</numerusform>
        </translation>
    </message>
    <message>
        <source>Notes and tags</source>
        <translation>Notes and tags</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notes</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <source>comma separated, e.g. spring, dresses</source>
        <translation>comma separated, e.g. spring, dresses</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>VVIC Image Search</source>
        <translation>VVIC Image Search</translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation>Demo data</translation>
    </message>
    <message>
        <source>Search by image</source>
        <translation>Search by image</translation>
    </message>
    <message>
        <source>Results appear here: one card per style, with its stalls and prices.</source>
        <translation>Results appear here: one card per style, with its stalls and prices.</translation>
    </message>
    <message>
        <source>Sort results by</source>
        <translation>Sort results by</translation>
    </message>
    <message>
        <source>Most similar first</source>
        <translation>Most similar first</translation>
    </message>
    <message>
        <source>Best offer first</source>
        <translation>Best offer first</translation>
    </message>
    <message>
        <source>Price, low to high</source>
        <translation>Price, low to high</translation>
    </message>
    <message>
        <source>Price, high to low</source>
        <translation>Price, high to low</translation>
    </message>
    <message>
        <source>Stall credit</source>
        <translation>Stall credit</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>Sales</translation>
    </message>
    <message>
        <source>Most stalls</source>
        <translation>Most stalls</translation>
    </message>
    <message>
        <source>Filter by title or stall…</source>
        <translation>Filter by title or stall…</translation>
    </message>
    <message>
        <source>Filter results by text</source>
        <translation>Filter results by text</translation>
    </message>
    <message>
        <source>Wholesale market</source>
        <translation>Wholesale market</translation>
    </message>
    <message>
        <source>Only listings from one wholesale market</source>
        <translation>Only listings from one wholesale market</translation>
    </message>
    <message>
        <source>All markets</source>
        <translation>All markets</translation>
    </message>
    <message>
        <source>Sort</source>
        <translation>Sort</translation>
    </message>
    <message>
        <source>The photo this search was made with</source>
        <translation>The photo this search was made with</translation>
    </message>
    <message>
        <source>Search again</source>
        <translation>Search again</translation>
    </message>
    <message>
        <source>Run this saved search again and mark new listings and price changes</source>
        <translation>Run this saved search again and mark new listings and price changes</translation>
    </message>
    <message>
        <source>Load more results</source>
        <translation>Load more results</translation>
    </message>
    <message>
        <source>Ask the marketplace for its next page of results: a paid call of your AppKey. The new listings join the styles shown.</source>
        <translation>Ask the marketplace for its next page of results: a paid call of your AppKey. The new listings join the styles shown.</translation>
    </message>
    <message>
        <source>Views</source>
        <translation>Views</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>Library</source>
        <translation>Library</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Open photos…</source>
        <translation>&amp;Open photos…</translation>
    </message>
    <message>
        <source>&amp;Paste photo</source>
        <translation>&amp;Paste photo</translation>
    </message>
    <message>
        <source>S&amp;ettings…</source>
        <translation>S&amp;ettings…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>E&amp;xport</source>
        <translation>E&amp;xport</translation>
    </message>
    <message>
        <source>&amp;Search</source>
        <translation>&amp;Search</translation>
    </message>
    <message>
        <source>&amp;Search by image</source>
        <translation>&amp;Search by image</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Cancel</translation>
    </message>
    <message>
        <source>&amp;Auto crop</source>
        <translation>&amp;Auto crop</translation>
    </message>
    <message>
        <source>Compare stalls</source>
        <translation>Compare stalls</translation>
    </message>
    <message>
        <source>&amp;Save to library…</source>
        <translation>&amp;Save to library…</translation>
    </message>
    <message>
        <source>&amp;Export results (Excel, CSV, HTML)…</source>
        <translation>&amp;Export results (Excel, CSV, HTML)…</translation>
    </message>
    <message>
        <source>Export results as &amp;JSON…</source>
        <translation>Export results as &amp;JSON…</translation>
    </message>
    <message>
        <source>&amp;Import stall photos…</source>
        <translation>&amp;Import stall photos…</translation>
    </message>
    <message>
        <source>Export &amp;purchase list…</source>
        <translation>Export &amp;purchase list…</translation>
    </message>
    <message>
        <source>Garment category</source>
        <translation>Garment category</translation>
    </message>
    <message>
        <source>Only styles of one garment category</source>
        <translation>Only styles of one garment category</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Unexpected error ({kind}); details are in the log file.</source>
        <translation>Unexpected error ({kind}); details are in the log file.</translation>
    </message>
</context>
<context>
    <name>PriceSpreadStrip</name>
    <message>
        <source>Price spread</source>
        <translation>Price spread</translation>
    </message>
    <message>
        <source>No prices to compare.</source>
        <translation>No prices to compare.</translation>
    </message>
    <message>
        <source>Lowest {low}, median {median}, highest {high}, best offer {best}.</source>
        <translation>Lowest {low}, median {median}, highest {high}, best offer {best}.</translation>
    </message>
    <message>
        <source>Lowest {price}</source>
        <translation>Lowest {price}</translation>
    </message>
    <message>
        <source>Median {price}</source>
        <translation>Median {price}</translation>
    </message>
    <message>
        <source>Highest {price}</source>
        <translation>Highest {price}</translation>
    </message>
    <message>
        <source>Best offer {price}</source>
        <translation>Best offer {price}</translation>
    </message>
</context>
<context>
    <name>PurchaseView</name>
    <message>
        <source>Purchase list</source>
        <translation>Purchase list</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Export the purchase list</source>
        <translation>Export the purchase list</translation>
    </message>
    <message>
        <source>Excel to print, an HTML route sheet for the phone, or text per stall</source>
        <translation>Excel to print, an HTML route sheet for the phone, or text per stall</translation>
    </message>
    <message>
        <source>Copy for messaging</source>
        <translation>Copy for messaging</translation>
    </message>
    <message>
        <source>Copy the list as text</source>
        <translation>Copy the list as text</translation>
    </message>
    <message>
        <source>Copy the selected stall (or every stall) as text, to send by WeChat</source>
        <translation>Copy the selected stall (or every stall) as text, to send by WeChat</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Remove the selected line</source>
        <translation>Remove the selected line</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>Clear list</translation>
    </message>
    <message>
        <source>Clear the purchase list</source>
        <translation>Clear the purchase list</translation>
    </message>
    <message>
        <source>Stalls and lines in walking order</source>
        <translation>Stalls and lines in walking order</translation>
    </message>
    <message>
        <source>Stall / listing</source>
        <translation>Stall / listing</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>Qty</translation>
    </message>
    <message>
        <source>Subtotal</source>
        <translation>Subtotal</translation>
    </message>
    <message>
        <source>Min. order</source>
        <translation>Min. order</translation>
    </message>
    <message>
        <source>Cheaper stall</source>
        <translation>Cheaper stall</translation>
    </message>
    <message>
        <source>The purchase list is empty. Right-click a result, a compared stall or a saved result and choose “Add to purchase list”.</source>
        <translation>The purchase list is empty. Right-click a result, a compared stall or a saved result and choose “Add to purchase list”.</translation>
    </message>
    <message>
        <source>Purchase list (%1)</source>
        <translation>Purchase list (%1)</translation>
    </message>
    <message>
        <source>Added to the purchase list: %1</source>
        <translation>Added to the purchase list: %1</translation>
    </message>
    <message>
        <source>Swapped to the cheaper stall.</source>
        <translation>Swapped to the cheaper stall.</translation>
    </message>
    <message>
        <source>Purchase list written to %1</source>
        <translation>Purchase list written to %1</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>Copied to the clipboard.</translation>
    </message>
    <message>
        <source>purchase-list</source>
        <translation>purchase-list</translation>
    </message>
    <message>
        <source>Excel with pictures (*.xlsx);;Route sheet for the phone (*.html);;Text per stall (*.txt)</source>
        <translation>Excel with pictures (*.xlsx);;Route sheet for the phone (*.html);;Text per stall (*.txt)</translation>
    </message>
    <message>
        <source>Remove every line from the purchase list?</source>
        <translation>Remove every line from the purchase list?</translation>
    </message>
    <message>
        <source>Colour, size …</source>
        <translation>Colour, size …</translation>
    </message>
    <message>
        <source>Note…</source>
        <translation>Note…</translation>
    </message>
    <message>
        <source>Swap to the cheaper stall</source>
        <translation>Swap to the cheaper stall</translation>
    </message>
    <message>
        <source>Copy this stall for messaging</source>
        <translation>Copy this stall for messaging</translation>
    </message>
    <message>
        <source>The purchase list could not be changed ({kind}).</source>
        <translation>The purchase list could not be changed ({kind}).</translation>
    </message>
    <message>
        <source>%1 stalls · %2 lines · %3 pieces · total ¥%4</source>
        <translation>%1 stalls · %2 lines · %3 pieces · total ¥%4</translation>
    </message>
    <message>
        <source>%1 below the minimum order</source>
        <translation>%1 below the minimum order</translation>
    </message>
    <message>
        <source>cheaper stalls could save ¥%1</source>
        <translation>cheaper stalls could save ¥%1</translation>
    </message>
    <message>
        <source>(unknown stall)</source>
        <translation>(unknown stall)</translation>
    </message>
    <message>
        <source>credit %1</source>
        <translation>credit %1</translation>
    </message>
    <message>
        <source>mixing allowed</source>
        <translation>mixing allowed</translation>
    </message>
    <message>
        <source>below minimum</source>
        <translation>below minimum</translation>
    </message>
    <message>
        <source>Below the minimum order of %1</source>
        <translation>Below the minimum order of %1</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>%1 ¥%2 · save ¥%3</source>
        <translation>%1 ¥%2 · save ¥%3</translation>
    </message>
    <message>
        <source>Same style at %1 (%2), credit %3: swap this line to that stall</source>
        <translation>Same style at %1 (%2), credit %3: swap this line to that stall</translation>
    </message>
</context>
<context>
    <name>ResultsDelegate</name>
    <message>
        <source>Loading picture…</source>
        <translation>Loading picture…</translation>
    </message>
    <message>
        <source>No image</source>
        <translation>No image</translation>
    </message>
    <message numerus="yes">
        <source>%n changed</source>
        <translation>
            <numerusform>%n changed</numerusform>
            <numerusform>%n changed</numerusform>
        </translation>
    </message>
    <message>
        <source>New</source>
        <translation>New</translation>
    </message>
    <message>
        <source>Price down</source>
        <translation>Price down</translation>
    </message>
    <message>
        <source>Price up</source>
        <translation>Price up</translation>
    </message>
    <message numerus="yes">
        <source>%n stall(s)</source>
        <translation>
            <numerusform>%n stall</numerusform>
            <numerusform>%n stalls</numerusform>
        </translation>
    </message>
    <message>
        <source>Credit {level}</source>
        <translation>Credit {level}</translation>
    </message>
    <message>
        <source>{low}–{high}</source>
        <translation>{low}–{high}</translation>
    </message>
    <message>
        <source>Best {price} · {stall}</source>
        <translation>Best {price} · {stall}</translation>
    </message>
    <message>
        <source>Median {price} · {n} in stock</source>
        <translation>Median {price} · {n} in stock</translation>
    </message>
    <message>
        <source>No. {art_no}</source>
        <translation>No. {art_no}</translation>
    </message>
    <message>
        <source>Only one listing</source>
        <translation>Only one listing</translation>
    </message>
    <message>
        <source>▾ Collapse {n} listings</source>
        <translation>▾ Collapse {n} listings</translation>
    </message>
    <message>
        <source>▸ Show all {n} listings</source>
        <translation>▸ Show all {n} listings</translation>
    </message>
    <message>
        <source>{percent}% match</source>
        <translation>{percent}% match</translation>
    </message>
    <message>
        <source>Stock {n}</source>
        <translation>Stock {n}</translation>
    </message>
    <message>
        <source>Stock unknown</source>
        <translation>Stock unknown</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>Out of stock</translation>
    </message>
    <message>
        <source>Min. order {n}</source>
        <translation>Min. order {n}</translation>
    </message>
    <message>
        <source>Min. order unknown</source>
        <translation>Min. order unknown</translation>
    </message>
    <message>
        <source>{n} sold</source>
        <translation>{n} sold</translation>
    </message>
    <message>
        <source>Picture unavailable</source>
        <translation>Picture unavailable</translation>
    </message>
</context>
<context>
    <name>ResultsModel</name>
    <message numerus="yes">
        <source>%n stall(s), {low} to {high}</source>
        <translation>
            <numerusform>%n stall, {low} to {high}</numerusform>
            <numerusform>%n stalls, {low} to {high}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ResultsView</name>
    <message>
        <source>Search results</source>
        <translation>Search results</translation>
    </message>
    <message>
        <source>No results yet. Drop a photo and press Search.</source>
        <translation>No results yet. Drop a photo and press Search.</translation>
    </message>
    <message>
        <source>This listing has no web link.</source>
        <translation>This listing has no web link.</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>Copied to the clipboard.</translation>
    </message>
    <message>
        <source>Open listing in browser</source>
        <translation>Open listing in browser</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>Copy link</translation>
    </message>
    <message>
        <source>Copy title</source>
        <translation>Copy title</translation>
    </message>
    <message>
        <source>Copy stall</source>
        <translation>Copy stall</translation>
    </message>
    <message>
        <source>Collapse group</source>
        <translation>Collapse group</translation>
    </message>
    <message>
        <source>Expand group</source>
        <translation>Expand group</translation>
    </message>
    <message>
        <source>Compare stalls side by side</source>
        <translation>Compare stalls side by side</translation>
    </message>
    <message>
        <source>Find similar (search by this picture)…</source>
        <translation>Find similar (search by this picture)…</translation>
    </message>
    <message>
        <source>Remove from shortlist</source>
        <translation>Remove from shortlist</translation>
    </message>
    <message>
        <source>★ Shortlist this listing</source>
        <translation>★ Shortlist this listing</translation>
    </message>
    <message>
        <source>Note on this listing…</source>
        <translation>Note on this listing…</translation>
    </message>
    <message numerus="yes">
        <source>No result matches the filters. Clear the filter text or widen the price, market or category to see the %n style(s) found.</source>
        <translation>
            <numerusform>No result matches the filters. Clear the filter text or widen the price, market or category to see the %n style found.</numerusform>
            <numerusform>No result matches the filters. Clear the filter text or widen the price, market or category to see the %n styles found.</numerusform>
        </translation>
    </message>
    <message>
        <source>Add to purchase list</source>
        <translation>Add to purchase list</translation>
    </message>
</context>
<context>
    <name>SavedSearchActions</name>
    <message>
        <source>Saved to the library as “{name}”.</source>
        <translation>Saved to the library as “{name}”.</translation>
    </message>
    <message>
        <source>Nothing to save yet: search first.</source>
        <translation>Nothing to save yet: search first.</translation>
    </message>
    <message>
        <source>Save to library</source>
        <translation>Save to library</translation>
    </message>
    <message>
        <source>Name (a named search is kept for good):</source>
        <translation>Name (a named search is kept for good):</translation>
    </message>
    <message>
        <source>Saved search · {date} · {name}</source>
        <translation>Saved search · {date} · {name}</translation>
    </message>
    <message>
        <source>{offers} listings in {groups} styles (saved).</source>
        <translation>{offers} listings in {groups} styles (saved).</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) since the last search.</source>
        <translation>
            <numerusform>%n change since the last search.</numerusform>
            <numerusform>%n changes since the last search.</numerusform>
        </translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>Note on “{title}”:</source>
        <translation>Note on “{title}”:</translation>
    </message>
    <message>
        <source>Save the search first (Ctrl+S) to mark listings.</source>
        <translation>Save the search first (Ctrl+S) to mark listings.</translation>
    </message>
    <message>
        <source>Nothing to export yet: search first.</source>
        <translation>Nothing to export yet: search first.</translation>
    </message>
    <message>
        <source>Exported to {path}.</source>
        <translation>Exported to {path}.</translation>
    </message>
    <message>
        <source>Save results</source>
        <translation>Save results</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Saved to {path}.</source>
        <translation>Saved to {path}.</translation>
    </message>
</context>
<context>
    <name>SearchController</name>
    <message>
        <source>Drop or open a photo first.</source>
        <translation>Drop or open a photo first.</translation>
    </message>
    <message>
        <source>Searching {market}…</source>
        <translation>Searching {market}…</translation>
    </message>
    <message>
        <source>The listing's picture could not be fetched.</source>
        <translation>The listing's picture could not be fetched.</translation>
    </message>
    <message>
        <source>This search uses one call of your AppKey: {left} of {quota} left this minute.</source>
        <translation>This search uses one call of your AppKey: {left} of {quota} left this minute.</translation>
    </message>
    <message>
        <source>This search uses one call.</source>
        <translation>This search uses one call.</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>Find similar</translation>
    </message>
    <message>
        <source>Search {market} for listings like “{title}”?</source>
        <translation>Search {market} for listings like “{title}”?</translation>
    </message>
    <message>
        <source>Like: {title}</source>
        <translation>Like: {title}</translation>
    </message>
    <message>
        <source>Search cancelled.</source>
        <translation>Search cancelled.</translation>
    </message>
    <message numerus="yes">
        <source>Load more (uses %n API call(s))</source>
        <translation>
            <numerusform>Load more (uses %n API call)</numerusform>
            <numerusform>Load more (uses %n API calls)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Load more (uses %n API call(s); {left} of {quota} left this minute)</source>
        <translation>
            <numerusform>Load more (uses %n API call; {left} of {quota} left this minute)</numerusform>
            <numerusform>Load more (uses %n API calls; {left} of {quota} left this minute)</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading more results…</source>
        <translation>Loading more results…</translation>
    </message>
    <message numerus="yes">
        <source>%n more listing(s) loaded: {offers} listings in {groups} styles.</source>
        <translation>
            <numerusform>%n more listing loaded: {offers} listings in {groups} styles.</numerusform>
            <numerusform>%n more listings loaded: {offers} listings in {groups} styles.</numerusform>
        </translation>
    </message>
    <message>
        <source>That was the marketplace's last page.</source>
        <translation>That was the marketplace's last page.</translation>
    </message>
    <message>
        <source>They could not be added to the saved search (see the log); they are shown here only.</source>
        <translation>They could not be added to the saved search (see the log); they are shown here only.</translation>
    </message>
    <message>
        <source>from saved results</source>
        <translation>from saved results</translation>
    </message>
    <message numerus="yes">
        <source>%n API call(s)</source>
        <translation>
            <numerusform>%n API call</numerusform>
            <numerusform>%n API calls</numerusform>
        </translation>
    </message>
    <message>
        <source>{offers} listings in {groups} styles ({origin}).</source>
        <translation>{offers} listings in {groups} styles ({origin}).</translation>
    </message>
    <message>
        <source>All markets</source>
        <translation>All markets</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>OneBound result language</source>
        <translation>OneBound result language</translation>
    </message>
    <message>
        <source>Follow the interface language</source>
        <translation>Follow the interface language</translation>
    </message>
    <message>
        <source>OneBound titles in:</source>
        <translation>OneBound titles in:</translation>
    </message>
    <message>
        <source>Set {variables} instead</source>
        <translation>Set {variables} instead</translation>
    </message>
    <message>
        <source>Access token</source>
        <translation>Access token</translation>
    </message>
    <message>
        <source>Access token:</source>
        <translation>Access token:</translation>
    </message>
    <message>
        <source>1688 searches act for a 1688 member: authorise this app with your 1688 account on open.1688.com and paste the access_token here. It expires; when 1688 says so, authorise again and paste the new one.</source>
        <translation>1688 searches act for a 1688 member: authorise this app with your 1688 account on open.1688.com and paste the access_token here. It expires; when 1688 says so, authorise again and paste the new one.</translation>
    </message>
    <message>
        <source>VVIC open platform (optional: stall details)</source>
        <translation>VVIC open platform (optional: stall details)</translation>
    </message>
    <message>
        <source>Open platform App ID</source>
        <translation>Open platform App ID</translation>
    </message>
    <message>
        <source>Open platform secret</source>
        <translation>Open platform secret</translation>
    </message>
    <message>
        <source>App ID:</source>
        <translation>App ID:</translation>
    </message>
    <message>
        <source>Secret:</source>
        <translation>Secret:</translation>
    </message>
    <message>
        <source>With an app of VVIC's open platform (api.vvic.com), VVIC results also show the stall's market, floor and stall number. Each lookup of up to 20 listings uses one call of the quota; looked-up stalls are kept for a day. Leave empty to skip.</source>
        <translation>With an app of VVIC's open platform (api.vvic.com), VVIC results also show the stall's market, floor and stall number. Each lookup of up to 20 listings uses one call of the quota; looked-up stalls are kept for a day. Leave empty to skip.</translation>
    </message>
    <message>
        <source>VVIC open platform: enter both the App ID and its secret</source>
        <translation>VVIC open platform: enter both the App ID and its secret</translation>
    </message>
    <message>
        <source>Saved; paste a new token to replace it</source>
        <translation>Saved; paste a new token to replace it</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Marketplaces</source>
        <translation>Marketplaces</translation>
    </message>
    <message>
        <source>General</source>
        <translation>General</translation>
    </message>
    <message>
        <source>Problem with the settings</source>
        <translation>Problem with the settings</translation>
    </message>
    <message>
        <source>Secure storage status</source>
        <translation>Secure storage status</translation>
    </message>
    <message>
        <source>Secrets are kept in the system keyring ({backend}).</source>
        <translation>Secrets are kept in the system keyring ({backend}).</translation>
    </message>
    <message>
        <source>No secure keyring is available: {reason}. Secrets cannot be saved here and are never written to a plain file: set the environment variables shown below, or install and unlock a keyring (GNOME Keyring, KWallet).</source>
        <translation>No secure keyring is available: {reason}. Secrets cannot be saved here and are never written to a plain file: set the environment variables shown below, or install and unlock a keyring (GNOME Keyring, KWallet).</translation>
    </message>
    <message>
        <source>Marketplace</source>
        <translation>Marketplace</translation>
    </message>
    <message>
        <source>Marketplace:</source>
        <translation>Marketplace:</translation>
    </message>
    <message>
        <source>no keyring backend is installed</source>
        <translation>no keyring backend is installed</translation>
    </message>
    <message>
        <source>no secret service is running</source>
        <translation>no secret service is running</translation>
    </message>
    <message>
        <source>the keyring is switched off</source>
        <translation>the keyring is switched off</translation>
    </message>
    <message>
        <source>the keyring backend {name} would keep secrets in plain text</source>
        <translation>the keyring backend {name} would keep secrets in plain text</translation>
    </message>
    <message>
        <source>AppKey</source>
        <translation>AppKey</translation>
    </message>
    <message>
        <source>App secret</source>
        <translation>App secret</translation>
    </message>
    <message>
        <source>Set {key} and {secret} instead</source>
        <translation>Set {key} and {secret} instead</translation>
    </message>
    <message>
        <source>Reading the keyring…</source>
        <translation>Reading the keyring…</translation>
    </message>
    <message>
        <source>AppKey:</source>
        <translation>AppKey:</translation>
    </message>
    <message>
        <source>App secret:</source>
        <translation>App secret:</translation>
    </message>
    <message>
        <source>Both OneBound routes share one AppKey and secret.</source>
        <translation>Both OneBound routes share one AppKey and secret.</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Endpoint</translation>
    </message>
    <message>
        <source>Production ({url})</source>
        <translation>Production ({url})</translation>
    </message>
    <message>
        <source>Production endpoint</source>
        <translation>Production endpoint</translation>
    </message>
    <message>
        <source>Sandbox ({url})</source>
        <translation>Sandbox ({url})</translation>
    </message>
    <message>
        <source>Sandbox endpoint</source>
        <translation>Sandbox endpoint</translation>
    </message>
    <message>
        <source>Sandbox (this service has none)</source>
        <translation>Sandbox (this service has none)</translation>
    </message>
    <message>
        <source>Custom address:</source>
        <translation>Custom address:</translation>
    </message>
    <message>
        <source>Custom endpoint</source>
        <translation>Custom endpoint</translation>
    </message>
    <message>
        <source>Custom endpoint address</source>
        <translation>Custom endpoint address</translation>
    </message>
    <message>
        <source>Call quota</source>
        <translation>Call quota</translation>
    </message>
    <message>
        <source>{n} calls per minute</source>
        <translation>{n} calls per minute</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>Custom calls per minute</source>
        <translation>Custom calls per minute</translation>
    </message>
    <message>
        <source> per minute</source>
        <translation> per minute</translation>
    </message>
    <message>
        <source>Quota tier:</source>
        <translation>Quota tier:</translation>
    </message>
    <message>
        <source>The number of calls per minute your AppKey allows.</source>
        <translation>The number of calls per minute your AppKey allows.</translation>
    </message>
    <message>
        <source>Key from the environment</source>
        <translation>Key from the environment</translation>
    </message>
    <message>
        <source>{key} and {secret} are set in the environment: that AppKey is used when the keyring holds none for this marketplace.</source>
        <translation>{key} and {secret} are set in the environment: that AppKey is used when the keyring holds none for this marketplace.</translation>
    </message>
    <message>
        <source>Cache lifetime</source>
        <translation>Cache lifetime</translation>
    </message>
    <message>
        <source> hours</source>
        <translation> hours</translation>
    </message>
    <message>
        <source>How long a search result is reused for the same photo; 0 turns it off.</source>
        <translation>How long a search result is reused for the same photo; 0 turns it off.</translation>
    </message>
    <message>
        <source>Reuse a search of the same photo for:</source>
        <translation>Reuse a search of the same photo for:</translation>
    </message>
    <message>
        <source>Keep every search in the library</source>
        <translation>Keep every search in the library</translation>
    </message>
    <message>
        <source>Unnamed searches are kept up to the library's limit, oldest dropped first; name one (Ctrl+S) to keep it for good.</source>
        <translation>Unnamed searches are kept up to the library's limit, oldest dropped first; name one (Ctrl+S) to keep it for good.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Follow the system</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>A new language takes effect after a restart.</source>
        <translation>A new language takes effect after a restart.</translation>
    </message>
    <message>
        <source>Allow image addresses on the local network (LAN)</source>
        <translation>Allow image addresses on the local network (LAN)</translation>
    </message>
    <message>
        <source>Allow LAN image hosts</source>
        <translation>Allow LAN image hosts</translation>
    </message>
    <message>
        <source>Off by default: a web page could otherwise make the app probe your network.</source>
        <translation>Off by default: a web page could otherwise make the app probe your network.</translation>
    </message>
    <message>
        <source>HTTP proxy</source>
        <translation>HTTP proxy</translation>
    </message>
    <message>
        <source>Empty: use the system proxy</source>
        <translation>Empty: use the system proxy</translation>
    </message>
    <message>
        <source>HTTP(S) proxy:</source>
        <translation>HTTP(S) proxy:</translation>
    </message>
    <message>
        <source>Results per search</source>
        <translation>Results per search</translation>
    </message>
    <message>
        <source>Results per search:</source>
        <translation>Results per search:</translation>
    </message>
    <message>
        <source>{market}: enter the custom address or pick another endpoint</source>
        <translation>{market}: enter the custom address or pick another endpoint</translation>
    </message>
    <message>
        <source>{market}: enter the secret that belongs to the new AppKey</source>
        <translation>{market}: enter the secret that belongs to the new AppKey</translation>
    </message>
    <message>
        <source>{market}: enter the AppKey for this secret</source>
        <translation>{market}: enter the AppKey for this secret</translation>
    </message>
    <message>
        <source>Saved; type a new secret to replace it</source>
        <translation>Saved; type a new secret to replace it</translation>
    </message>
    <message>
        <source>Not set</source>
        <translation>Not set</translation>
    </message>
    <message>
        <source>The keyring could not be read ({kind}).</source>
        <translation>The keyring could not be read ({kind}).</translation>
    </message>
    <message>
        <source>the keyring is still being read; try again</source>
        <translation>the keyring is still being read; try again</translation>
    </message>
    <message>
        <source>Saving failed ({kind}).</source>
        <translation>Saving failed ({kind}).</translation>
    </message>
</context>
<context>
    <name>StatusArea</name>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancel the search</source>
        <translation>Cancel the search</translation>
    </message>
    <message>
        <source>DEMO DATA</source>
        <translation>DEMO DATA</translation>
    </message>
    <message>
        <source>Results come from the built-in demo marketplace, not a real one</source>
        <translation>Results come from the built-in demo marketplace, not a real one</translation>
    </message>
    <message>
        <source>Drop a photo of a garment to start.</source>
        <translation>Drop a photo of a garment to start.</translation>
    </message>
    <message>
        <source>Local catalog: offline, no quota</source>
        <translation>Local catalog: offline, no quota</translation>
    </message>
    <message>
        <source>No AppKey</source>
        <translation>No AppKey</translation>
    </message>
    <message>
        <source>Quota {left}/{quota} per min</source>
        <translation>Quota {left}/{quota} per min</translation>
    </message>
    <message>
        <source>Preparing the photo…</source>
        <translation>Preparing the photo…</translation>
    </message>
    <message>
        <source>Looking in saved results…</source>
        <translation>Looking in saved results…</translation>
    </message>
    <message>
        <source>Waiting for the call quota…</source>
        <translation>Waiting for the call quota…</translation>
    </message>
    <message>
        <source>Asking the marketplace…</source>
        <translation>Asking the marketplace…</translation>
    </message>
    <message>
        <source>The marketplace had a hiccup; trying again…</source>
        <translation>The marketplace had a hiccup; trying again…</translation>
    </message>
    <message>
        <source>Trying again in {seconds} s… (Cancel stops the wait)</source>
        <translation>Trying again in {seconds} s… (Cancel stops the wait)</translation>
    </message>
    <message>
        <source>Fetching listing pictures…</source>
        <translation>Fetching listing pictures…</translation>
    </message>
    <message>
        <source>Grouping the same styles…</source>
        <translation>Grouping the same styles…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Done.</translation>
    </message>
    <message>
        <source>Fetching listing pictures: {done} of {total}…</source>
        <translation>Fetching listing pictures: {done} of {total}…</translation>
    </message>
    <message>
        <source>Search cancelled.</source>
        <translation>Search cancelled.</translation>
    </message>
</context>
</TS>